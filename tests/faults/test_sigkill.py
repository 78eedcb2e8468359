"""SIGKILL any one process during a busy hour: nothing is lost or doubled, no secret logged.

The fleet runs under supervisord as on the Pi, logged in to an emulated Discord. Members
click hours, move between voice channels and run commands while one program is killed;
supervisord restarts it. Afterwards the daily message is the only one and lists exactly
who clicked and who was in voice, the database holds each voice stay once (the gateway
aside: while it is down Discord's events are not delivered at all, so only consistency
can be asked of it), and ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator import Emulator
from emulator.simulator.seen import SeenMessage
from tests.faults.support import (
    HEADER,
    HOURS,
    STEP,
    Played,
    Session,
    SupervisedFleet,
    Town,
    build_town,
    integrity,
    patient_discord,
    sessions,
)
from tests.helpers import eventually, midday_zone, until_answered

pytestmark = pytest.mark.fleet

VOICE_PLAYERS = range(8)  # join the Lobby, move to Ranked; the first four leave
CLICKERS = range(8, 16)  # react with hours, some take a click back
KILL_AT = 2.5  # seconds into the busy hour


async def _saved(emu: Emulator, town: Town, command: str, **options: object) -> None:
    """An admin's command, asked again until saved: the scheduler or telemetry may still be
    starting."""

    async def saved() -> bool:
        outcome = await emu.driver.slash(town.admin, town.text, command, options)  # type: ignore[arg-type]
        return bool(outcome.message and outcome.message.content.startswith("Saved."))

    await until_answered(saved, 2 * STEP, f"/{command} saved")


async def _set_up(emu: Emulator, town: Town) -> SeenMessage:
    await eventually(
        lambda: {"config", "schedule"} <= {c.name for c in emu.world.commands.values()},
        2 * STEP,
        "the scheduler's commands",
    )
    for command, options in (
        ("config timezone", {"zone": midday_zone()}),
        ("config window", {"start": 12, "hours": len(HOURS)}),
        ("config time", {"time": "00:00"}),
        ("config voice", {"channel": town.lobby.id, "counted": True}),
        ("config voice", {"channel": town.ranked.id, "counted": True}),
        ("config channel", {"channel": town.text.id}),
    ):
        await _saved(emu, town, command, **options)

    def daily() -> list[SeenMessage]:
        return [
            m for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)
        ]

    await eventually(lambda: bool(daily()), STEP, "the daily message")
    message = daily()[0]
    await eventually(
        lambda: len(emu.driver.message(message.id, town.admin).reactions) == len(HOURS),
        STEP,
        "the hour reactions",
    )
    return message


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happens during the busy hour, ``at`` seconds in."""

    at: float
    kind: str  # join, move, leave, react, unreact, command, kill
    player: int = 0
    hour: str = ""


def _script() -> list[Step]:
    steps = [Step(KILL_AT, "kill")]
    for k in VOICE_PLAYERS:
        steps += [Step(0.25 * k, "join", k), Step(4.0 + 0.25 * k, "move", k)]
        if k < 4:
            steps.append(Step(7.5 + 0.25 * k, "leave", k))
    for j in CLICKERS:
        first, second = HOURS[j % len(HOURS)], HOURS[(j + 1) % len(HOURS)]
        steps += [
            Step(0.3 * (j - 8), "react", j, first),
            Step(1 + 0.3 * (j - 8), "react", j, second),
        ]
        if j % 2 == 0:
            steps.append(Step(6.0 + 0.3 * (j - 8), "unreact", j, second))
    steps += [Step(at, "command", 8) for at in (1.0, 3.0, 5.0, 7.0, 9.0)]
    return sorted(steps, key=lambda step: step.at)


async def _busy_hour(
    emu: Emulator, town: Town, message: SeenMessage, kill: Callable[[], Awaitable[int]]
) -> Played:
    driver, played = emu.driver, Played()
    for k in VOICE_PLAYERS:
        played.stays[town.players[k].user_id] = 2  # the Lobby, then Ranked
        played.in_voice.add(town.players[k].user_id)
    started = time.monotonic()
    for step in _script():
        await asyncio.sleep(max(0.0, started + step.at - time.monotonic()))  # the script's pace
        player = town.players[step.player]
        match step.kind:
            case "kill":
                await kill()
            case "join":
                await driver.join_voice(player, town.lobby)
            case "move":
                await driver.move_voice(player, town.ranked)
            case "leave":
                await driver.leave_voice(player)
            case "react":
                await driver.react(player, message.id, step.hour)
            case "unreact":
                await driver.unreact(player, message.id, step.hour)
            case "command":
                outcome = await driver.slash(player, town.text, "schedule show")
                played.failed_interactions += outcome.failed
    return played


def _hour_lines(emu: Emulator, town: Town, message: SeenMessage) -> dict[str, str]:
    content = emu.driver.message(message.id, town.admin).content
    return {line[0]: line for line in content.splitlines() if line[:1] in HOURS}


def _names(line: str, marker: str) -> set[str]:
    if " · **" not in line:
        return set()
    listed = line.split(" · ", 2)[2]
    return {
        entry.removesuffix(f" {marker}") for entry in listed.split(", ") if entry.endswith(marker)
    }


def _reactors(emu: Emulator, town: Town, message: SeenMessage) -> dict[str, set[str]]:
    seen = emu.driver.message(message.id, town.admin)
    names = {m.user_id: m for m in town.players}
    return {
        r.emoji: {f"player{town.players.index(names[u]):02d}" for u in r.users if u in names}
        for r in seen.reactions
    }


def _consistent(stored: list[Session]) -> list[str]:
    """Problems in one member's sessions: overlaps, negative ones, two open at once."""
    problems = []
    for before, after in itertools.pairwise(stored):
        if before.end is None or before.end > after.start:
            problems.append(f"{before} overlaps {after}")
    problems += [f"{s} is negative" for s in stored if s.end is not None and s.end < s.start]
    return problems


@pytest.mark.parametrize("victim", ["bus", "telemetry", "scheduler", "gateway", "voice"])
@pytest.mark.within(240.0)
async def test_a_sigkill_mid_stream_costs_nothing(victim: str, short_tmp: Path) -> None:
    """Kill one program mid-stream; the message, the post and the voice record stay right."""
    async with Emulator(patient_discord()) as emu:
        town = build_town(emu)
        fleet = SupervisedFleet(short_tmp, emu)
        await fleet.start()
        try:
            message = await _set_up(emu, town)
            before = await fleet.pid(victim)
            played = await _busy_hour(emu, town, message, lambda: fleet.kill(victim))
            restarted = await fleet.pid(victim)
            assert restarted not in (0, before), f"{victim} was not restarted"
            await _converged(emu, town, message, fleet, played)
            _check(emu, town, message, fleet, played, exact=victim != "gateway")
        finally:
            await fleet.close()


async def _converged(
    emu: Emulator, town: Town, message: SeenMessage, fleet: SupervisedFleet, played: Played
) -> None:
    guild = emu.world.guild(town.guild.id)

    behind: dict[str, object] = {}

    def settled() -> bool:
        lines = _hour_lines(emu, town, message)
        reactors = _reactors(emu, town, message)
        behind.clear()
        for hour in HOURS:
            if (shown := _names(lines.get(hour, ""), "👍")) != reactors.get(hour, set()):
                behind[f"clicks {hour}"] = (sorted(shown), sorted(reactors.get(hour, set())))
        voice = set().union(*(_names(line, "🎧") for line in lines.values()))
        if voice != {f"player{k:02d}" for k in VOICE_PLAYERS}:
            behind["in voice"] = sorted(voice)
        open_now = {
            s.user_id: s.channel_id
            for s in sessions(fleet.database, town.guild.id)
            if s.end is None
        }
        present = {u: v.channel_id for u, v in guild.voice_states.items() if v.channel_id}
        if open_now != present:
            behind["open sessions"] = (open_now, present)
        return not behind

    try:
        await eventually(settled, 2 * STEP, "the message and the voice record to catch up")
    except AssertionError as error:
        raise AssertionError(f"{error}; still behind: {behind}") from None


def _check(
    emu: Emulator,
    town: Town,
    message: SeenMessage,
    fleet: SupervisedFleet,
    played: Played,
    *,
    exact: bool,
) -> None:
    posts = [m for m in emu.driver.messages(town.text, town.admin) if m.content.startswith(HEADER)]
    assert len(posts) == 1
    lines = _hour_lines(emu, town, message)
    for line in lines.values():
        listed = _names(line, "👍") | _names(line, "🎧")
        count = f"**{len(listed)}**" if listed else "nobody yet"
        assert count in line, line
    stored = sessions(fleet.database, town.guild.id)
    by_user: dict[int, list[Session]] = {}
    for session in stored:
        by_user.setdefault(session.user_id, []).append(session)
    assert set(by_user) == set(played.stays)
    for user, mine in by_user.items():
        assert _consistent(mine) == [], mine
        if exact:
            assert len(mine) == played.stays[user], mine
    assert integrity(fleet.database) == "ok"
    if exact:
        assert played.failed_interactions == 0
    # Every program logs to a file of its own: none may hold a secret.
    secrets = [emu.token, *(p.token for p in emu.interactions.by_id.values())]
    for log in fleet.logs.iterdir():
        text = log.read_text(errors="replace")
        assert not [s for s in secrets if s in text], f"a token is written in {log.name}"
