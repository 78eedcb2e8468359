"""The pieces of one emulated Discord that REST handlers, the gateway and the driver share."""

from dataclasses import dataclass

from bus.tasks import TaskSet
from emulator.engine.config import EmulatorConfig
from emulator.engine.recorder import RequestLog
from emulator.gateway.sessions import Gateway
from emulator.rules.clock import Clock
from emulator.rules.oauth import OAuthApp
from emulator.rules.ratelimit import RateLimiter
from emulator.rules.snowflakes import Snowflakes
from emulator.rules.state import World
from emulator.rules.watch import Changes


@dataclass(eq=False, slots=True)
class Core:
    config: EmulatorConfig
    clock: Clock
    world: World
    ids: Snowflakes
    changes: Changes
    tasks: TaskSet
    gateway: Gateway
    ratelimits: RateLimiter
    requests: RequestLog
    bot_id: int
    application_id: int
    oauth: OAuthApp
    """The bot's application as an OAuth2 client (the dashboard's login)."""
    base_url: str = ""
    """``http://host:port`` once the server is bound; attachment URLs hang off it."""
