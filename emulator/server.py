"""The emulator: one local Discord (REST + gateway) bound to a port, plus its driver."""

import logging
from types import TracebackType
from typing import Self

from aiohttp import web

from bus.tasks import TaskSet
from emulator.engine.actions import Actions
from emulator.engine.config import EmulatorConfig
from emulator.engine.core import Core
from emulator.engine.interactions import Interactions
from emulator.engine.recorder import RequestLog
from emulator.gateway.sessions import Gateway, GatewaySession, GatewaySettings
from emulator.rest.app import Services, build_app
from emulator.rules.clock import CalendarClock, Clock
from emulator.rules.jsontypes import JSONObject
from emulator.rules.oauth import OAuthApp
from emulator.rules.permissions import Permission, allows
from emulator.rules.ratelimit import RateLimiter
from emulator.rules.snowflakes import Snowflakes
from emulator.rules.state import User, World
from emulator.rules.watch import Changes
from emulator.simulator.driver import Driver
from emulator.voice.certificate import CertificateError
from emulator.voice.voice_gateway import EmulatedVoice, VoiceServer

log = logging.getLogger(__name__)


class Emulator:
    """A local Discord that real nextcord clients connect to.

    Use ``async with Emulator() as emu:`` (or :meth:`start` / :meth:`close`). It binds port 0
    unless told otherwise; :attr:`api_url` goes into ``nextcord.http.Route.BASE``.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.host = host
        self._port = port
        clock = clock or CalendarClock()
        ids = Snowflakes(clock)
        world = World()
        bot = User(id=ids.next(), username=self.config.bot_name, bot=True)
        world.users[bot.id] = bot
        changes = Changes()
        tasks = TaskSet()
        gateway = Gateway(
            world,
            GatewaySettings(
                token=self.config.token,
                bot_id=bot.id,
                application_id=bot.id,
                allowed_privileged=self.config.allowed_privileged_intents,
                heartbeat_interval_ms=self.config.heartbeat_interval_ms,
                sharding=self.config.sharding,
            ),
            changes=changes,
            tasks=tasks,
        )
        self.core = Core(
            config=self.config,
            clock=clock,
            world=world,
            ids=ids,
            changes=changes,
            tasks=tasks,
            gateway=gateway,
            ratelimits=RateLimiter(self.config.limits),
            requests=RequestLog(),
            bot_id=bot.id,
            application_id=bot.id,
            oauth=OAuthApp(client_id=bot.id),
        )
        self.actions = Actions(self.core)
        self.interactions = Interactions(self.core, self.actions)
        self.driver = Driver(self.core, self.actions, self.interactions)
        self.voice = EmulatedVoice(world, changes, host=host)
        self.voice_server: VoiceServer | None = None
        gateway.on_voice_request = self._voice_request
        self.actions.on_voice_moved = self._voice_moved
        self._runner: web.AppRunner | None = None

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = build_app(Services(self.core, self.actions, self.interactions))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.core.base_url = f"http://{self.host}:{self._port}"
        self.core.gateway.url = f"ws://{self.host}:{self._port}/"
        log.info("emulated Discord listening on %s", self.core.base_url)
        try:
            await self.voice.start()
        except CertificateError as error:
            log.warning("no emulated voice: %s", error)
        else:
            self.voice_server = self.voice

    async def close(self) -> None:
        await self.voice.close()
        await self.core.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.core.tasks.cancel_all()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # ---------------------------------------------------------------- facts

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return self.core.base_url

    @property
    def api_url(self) -> str:
        """The REST base for ``nextcord.http.Route.BASE``."""
        return self.core.base_url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.core.gateway.url

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def bot_id(self) -> int:
        return self.core.bot_id

    @property
    def application_id(self) -> int:
        return self.core.application_id

    @property
    def oauth(self) -> OAuthApp:
        """The bot's application as an OAuth2 client: its secret, its registered redirects."""
        return self.core.oauth

    @property
    def gateway(self) -> Gateway:
        return self.core.gateway

    @property
    def ratelimits(self) -> RateLimiter:
        return self.core.ratelimits

    @property
    def requests(self) -> RequestLog:
        return self.core.requests

    @property
    def world(self) -> World:
        return self.core.world

    # ----------------------------------------------------------------- voice

    def _may_connect(self, channel_id: int) -> bool:
        """Discord ignores a join to a channel the bot cannot see or lacks Connect in: no
        VOICE_STATE_UPDATE, no VOICE_SERVER_UPDATE, so the client's connect times out."""
        world = self.core.world
        if channel_id not in world.channels:
            return True  # set_voice refuses it as Discord does
        needed = Permission.VIEW_CHANNEL | Permission.CONNECT
        return allows(world.channel_permissions(channel_id, self.core.bot_id), needed)

    def _voice_moved(
        self, guild_id: int, user_id: int, before: int | None, after: int | None
    ) -> None:
        self.core.tasks.spawn(
            self.voice.voice_moved(guild_id, user_id, before, after), name="emulator.voice.moved"
        )

    def _voice_request(self, session: GatewaySession, data: JSONObject) -> None:
        """The bot asked (op 4) to join, move or leave voice in a guild."""
        guild_id = int(str(data.get("guild_id", 0)))
        channel = data.get("channel_id")
        if guild_id not in self.core.world.guilds:
            return
        if channel is not None and not self._may_connect(int(str(channel))):
            return
        self.actions.set_voice(
            guild_id,
            self.core.bot_id,
            int(str(channel)) if channel is not None else None,
            self_mute=bool(data.get("self_mute", False)),
            self_deaf=bool(data.get("self_deaf", False)),
            session_id=session.id,
        )
        if self.voice_server is None:
            return
        if channel is None:
            self.voice_server.left(guild_id, self.core.bot_id)
            return
        # Only the session that asked learns where to connect, as on Discord.
        update = self.voice_server.server_update(guild_id, session.id)
        session.push("VOICE_SERVER_UPDATE", update, self.core.gateway.settings.backlog)
