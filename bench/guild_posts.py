"""Many guilds' daily posts due at the same minute: each guild in its lane, against one
guild after another (``python -m bench.scheduler --guilds N``).

N guilds, each with an admin and a text channel, set their daily message up to be posted
at the same minute (a minute at least ``LEAD`` seconds ahead, four hours each) on a fleet of
the real telemetry, gateway and scheduler processes against the emulator at Discord's pace
(reactions one at a time per channel, as Discord's bucket allows and nextcord waits it
out). The figure is the time from that minute until the last guild's post has all its hour
reactions, measured with the scheduler's lanes (its default) and with
``SQUADTIME_SCHEDULER_LANES=1`` (the old one guild after another) in the same run; also
how many 429s Discord answered (none expected: both stay within its limits).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.common import service_env
from bench.scheduler import SERVICES, STEP, _private, answer
from bus.broker import Broker
from bus.endpoints import Endpoints
from emulator import Emulator
from emulator.rules.state import Channel, Member

HOURS = 4
LEAD = 30.0  # seconds between the set-up and the minute of the posts, at least
WAIT = 600.0  # seconds the one-after-another run may take for many guilds
MANAGE_GUILD = 1 << 5
type Community = tuple[Member, Channel]


async def _say(emu: Emulator, admin: Member, text: Channel, command: str, **options: Any) -> None:
    """Run an admin's slash command; the benchmark stops on anything but "Saved."."""
    content = await answer(emu, admin, text, command, **options)
    if not content.startswith("Saved."):
        raise RuntimeError(f"/{command} answered {content!r}")


async def _set_up(emu: Emulator, guilds: list[Community], at: dt.datetime) -> None:
    """Every guild's daily message, due at ``at`` (UTC), four hours from its hour on."""
    await emu.driver.wait_until(
        lambda: "config" in {c.name for c in emu.world.commands.values()}, timeout=STEP
    )

    async def one(admin: Member, text: Channel) -> None:
        await _say(emu, admin, text, "config window", start=at.hour, hours=HOURS)
        await _say(emu, admin, text, "config time", time=f"{at.hour:02d}:{at.minute:02d}")
        await _say(emu, admin, text, "config channel", channel=text.id)

    await asyncio.gather(*(one(admin, text) for admin, text in guilds))


def _complete(emu: Emulator, admin: Member, text: Channel) -> bool:
    """Whether the guild's daily message is out with all its hour reactions."""
    posted = [m for m in emu.driver.messages(text, admin) if m.content.startswith("## Who")]
    return bool(posted) and len(posted[-1].reactions) == HOURS


async def _posts(emu: Emulator, guilds: list[Community]) -> dict[str, Any]:
    """Set the posts up for the next minute; the seconds from it until every post is done."""
    due = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if (due - dt.datetime.now(dt.UTC)).total_seconds() < LEAD:
        due += dt.timedelta(minutes=1)
    await _set_up(emu, guilds, due)
    if any(_complete(emu, admin, text) for admin, text in guilds):
        raise RuntimeError("a post went out before its minute: the set-up took too long")
    await asyncio.sleep(max(due.timestamp() - time.time(), 0.0))  # the minute of the posts
    started = time.monotonic()
    await emu.driver.wait_until(
        lambda: all(_complete(emu, admin, text) for admin, text in guilds), timeout=WAIT
    )
    channels = {str(text.id) for _, text in guilds}
    mine = [r for r in emu.requests.records if r.params.get("channel_id") in channels]
    done = max(r.at for r in mine if r.status < 300)
    return {
        "last_post_complete_s": round(done - started, 2),
        "rate_limited": sum(r.status == 429 for r in mine),
    }


@contextlib.asynccontextmanager
async def _fleet(
    runtime: Path, guilds: int, **settings: str
) -> AsyncIterator[tuple[Emulator, list[Community]]]:
    """The emulator with ``guilds`` communities (an admin and a text channel each), a broker,
    and the real telemetry, gateway and scheduler processes with ``settings``."""
    endpoints = Endpoints.ipc(_private(runtime))
    broker = Broker(endpoints)
    broker.start()
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with Emulator() as emu:
            driver = emu.driver
            made = []
            for n in range(guilds):
                guild = driver.add_guild(f"Squad {n:04d}")
                admins = driver.add_role(guild, "Admins", permissions=MANAGE_GUILD)
                text = driver.add_text_channel(guild, "general")
                made.append((driver.add_member(guild, f"admin{n:04d}", roles=[admins]), text))
            env = service_env(runtime, emu.api_url, emu.token, **settings)
            try:
                for name in SERVICES:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable, "-m", f"services.{name}", env=env
                        )
                    )
                yield emu, made
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    await asyncio.wait_for(process.wait(), STEP)
    finally:
        broker.stop()


async def measure_guilds(guilds: int, runtime: Path) -> dict[str, Any]:
    """The posts of ``guilds`` guilds due together, in lanes and one guild after another."""
    runs = {}
    for width in (0, 1):
        settings = {"SQUADTIME_SCHEDULER_LANES": str(width)} if width else {}
        async with _fleet(runtime / f"lanes{width}", guilds, **settings) as (emu, made):
            runs[width] = await _posts(emu, made)
    lanes, one = runs[0], runs[1]
    return {
        "bench": "scheduler-guilds",
        "guilds": guilds,
        "hours": HOURS,
        **{f"lanes_{key}": value for key, value in lanes.items()},
        **{f"one_after_another_{key}": value for key, value in one.items()},
        "speedup": round(one["last_post_complete_s"] / lanes["last_post_complete_s"], 1),
    }
