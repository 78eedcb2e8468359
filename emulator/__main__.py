"""``python -m emulator``: run a local Discord (and optionally a simulated community).

The first line on stdout is the emulator's base URL (``http://host:port``); point
``nextcord.http.Route.BASE`` at ``<url>/api/v10``. It runs until SIGINT or SIGTERM.

Its timestamps and snowflakes follow ``SQUADTIME_CLOCK`` (see ``bus.clock``),
the calendar the bot's processes read. With ``--members`` and no ``SQUADTIME_CLOCK``, the
community plays on a clock ``--speed`` times as fast as real time from now, and the line
to give the fleet so it shares that clock is logged.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass

from bus.clock import (
    SETTING,
    Calendar,
    ClockSettingError,
    Pace,
    calendar_from_env,
    wall_time,
)
from emulator.engine.config import EmulatorConfig
from emulator.rules.clock import CalendarClock
from emulator.server import Emulator
from emulator.simulator.community import Community, CommunitySpec

log = logging.getLogger("emulator")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str
    port: int
    token: str
    members: int
    seed: int
    speed: float
    days: int
    log_level: str
    calendar: Calendar


def parse(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="A local Discord (REST v10 + gateway) for nextcord clients, "
        "optionally with a simulated community playing accelerated days.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--token", default=EmulatorConfig().token, help="bot token the emulator accepts"
    )
    parser.add_argument(
        "--members", type=int, default=0, help="simulate a community of this many members"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated community")
    parser.add_argument(
        "--speed",
        type=float,
        default=600.0,
        help="simulated seconds per real second (default: %(default)s)",
    )
    parser.add_argument("--days", type=int, default=1, help="days the community plays")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        calendar = calendar_from_env(os.environ)
    except ClockSettingError as error:
        parser.error(str(error))
    if args.speed <= 0:
        parser.error("--speed must be positive")
    if args.members > 0 and not calendar.scaled:
        started = wall_time()
        calendar = Calendar([Pace(started, args.speed)], at=started)
    return Settings(
        host=args.host,
        port=args.port,
        token=args.token,
        members=args.members,
        seed=args.seed,
        speed=args.speed,
        days=args.days,
        log_level=args.log_level,
        calendar=calendar,
    )


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    clock = CalendarClock(settings.calendar)
    async with Emulator(
        EmulatorConfig(token=settings.token), host=settings.host, port=settings.port, clock=clock
    ) as emu:
        print(emu.url, flush=True)
        log.info("REST %s, gateway %s", emu.api_url, emu.gateway_url)
        simulation: asyncio.Task[None] | None = None
        if settings.members > 0:
            log.info("the community's clock: %s=%r", SETTING, settings.calendar.setting())
            spec = CommunitySpec(members=settings.members, seed=settings.seed)
            community = Community(emu.driver, spec, clock)
            community.build()
            simulation = asyncio.create_task(community.play(clock.now().date(), settings.days))
            simulation.add_done_callback(_report)
        await stop.wait()
        if simulation is not None:
            simulation.cancel()
            await asyncio.wait([simulation])
    log.info("emulator stopped")


def _report(task: "asyncio.Task[None]") -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("community simulation failed", exc_info=error)
    else:
        log.info("community simulation finished")


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
