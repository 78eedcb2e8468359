"""Away end to end: the real gateway's nextcord client, telemetry and the scheduler against
the emulator, on a clock the test moves. Tuesday 10 March 2026 in Paris, hours 18:00 (🇦)
to 21:00 (🇩); Saturday 14 March is a usual day for Bob and Carol.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.protocol import (
    AbsencesReply,
    DeliveriesReply,
    GetAbsences,
    GetDeliveries,
    Interaction,
    InteractionAnswer,
    MemberFacts,
)
from emulator import Emulator
from emulator.rules.state import Member
from services.scheduler.answers import Refusal
from services.scheduler.commands.away import parse_date, suggestions
from services.scheduler.commands.schedule import day_id, hours_id
from services.telemetry.ingest import Recorder
from tests.emulator.support import Community
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world
from tests.services.telemetry.events import envelope, voice

A, B, C, D = "🇦", "🇧", "🇨", "🇩"
TUESDAY, SATURDAY, SUNDAY = date(2026, 3, 10), date(2026, 3, 14), date(2026, 3, 15)


def _at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


# ----------------------------------------------------------------- the rules


def test_suggestions_follow_what_is_typed() -> None:
    """Nothing typed: today, tomorrow, then each day; "sat" gives Saturdays; a whole date
    gives itself; nothing before the first day or past a year ahead."""
    found = suggestions("", TUESDAY, TUESDAY)
    assert [c.name for c in found[:3]] == [
        "Tue 10 Mar 2026 · today",
        "Wed 11 Mar 2026 · tomorrow",
        "Thu 12 Mar 2026 · in 2 days",
    ]
    assert len(found) == 25
    assert [c.value for c in suggestions("sat", TUESDAY, TUESDAY)[:2]] == [
        "2026-03-14",
        "2026-03-21",
    ]
    assert [c.value for c in suggestions("2026-07-14", TUESDAY, TUESDAY)] == ["2026-07-14"]
    assert [c.value for c in suggestions("sat mar", SATURDAY, TUESDAY)][:1] == ["2026-03-14"]
    assert suggestions("2027-03-12", TUESDAY, TUESDAY) == []  # 367 days ahead


@pytest.mark.parametrize("raw", ["soon", "2026-3-14", "2026-W11-6", "20260314", "2026-02-30"])
def test_only_plain_dates_are_read(raw: str) -> None:
    """Words, short forms, ISO week dates, compact dates and impossible days are refused."""
    with pytest.raises(Refusal):
        parse_date(raw, "from")


# ----------------------------------------------------------------- end to end


def _played_saturdays(added: dict[str, Member]):  # type: ignore[no-untyped-def]
    """Bob and Dee in voice with Alice on the two Saturdays before 14 March, 20:00-22:00:
    both are Saturday regulars with Alice as their co-player. Carol joins too."""

    def seed(emu: Emulator, town: Community, connection: sqlite3.Connection) -> None:
        for name in ("carol", "dee"):
            added[name] = emu.driver.add_member(town.guild, name)
        players = [town.alice.user_id, town.bob.user_id, added["dee"].user_id]
        recorder = Recorder(connection)
        for back in (2, 1):
            day = SATURDAY - timedelta(days=7 * back)
            events = [
                envelope(voice(u, 0, town.voice.id, _at(day, 20), guild=town.guild.id))
                for u in players
            ] + [
                envelope(voice(u, town.voice.id, 0, _at(day, 22), guild=town.guild.id))
                for u in players
            ]
            recorder.ingest(connection, events, _at(day, 22, 30))

    return seed


async def _usual(w: World, member: Member, weekday: int, *hours: int) -> None:
    """Save ``hours`` as the member's usual hours on ``weekday`` (community time)."""
    driver = w.emu.driver
    editor = (await w.slash(member, "schedule edit")).message
    assert editor is not None
    await driver.select(member, editor.id, day_id(), [str(weekday)])
    picked = await driver.select(member, editor.id, hours_id(weekday), [str(h) for h in hours])
    assert picked.message is not None


async def _day_posted(w: World, day: date) -> str:
    """Move to noon past the post of ``day`` and wait for its message; its text."""
    w.clock.set(_at(day, 12, 5))
    title = f"{day:%A} {day.day} {day:%B}"
    await w.daily_says(title)
    await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
    return w.posted().content


async def _absences(w: World) -> list[tuple[int, str, str, str]]:
    """(member, first, last, note) of the standing absences, as telemetry has them."""
    async with w.peer() as bus:
        found = await bus.request(
            "telemetry", GetAbsences(guild_id=w.town.guild.id), expect=AbsencesReply, timeout=STEP
        )
    return [(a.user_id, a.first, a.last, a.note) for a in found.absences]


async def _deliveries(w: World, day: date) -> dict[tuple[str, int], str]:
    """(kind, member) → state of ``day``'s deliveries."""
    async with w.peer() as bus:
        found = await bus.request(
            "telemetry",
            GetDeliveries(guild_id=w.town.guild.id, date=day.isoformat()),
            expect=DeliveriesReply,
            timeout=STEP,
        )
    return {(d.kind, d.user_id): d.state for d in found.deliveries if d.user_id}


async def test_away_over_a_usual_saturday_then_it_ends_by_itself(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob is away Friday 13 to Saturday 14 March: Saturday's message lists Carol 📅 but not
    Bob, Carol gets her reminder and Dee (a regular like Bob) a nudge, Bob neither; Sunday,
    Bob's usual hours count again. /schedule show says so beforehand."""
    added: dict[str, Member] = {}
    async with world(endpoints, short_tmp, history=_played_saturdays(added)) as w:
        town, driver = w.town, w.emu.driver
        carol, dee = added["carol"], added["dee"]
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        for member in (town.bob, carol):
            await _usual(w, member, 5, 20, 21)
            await _usual(w, member, 6, 20, 21)
            await w.say(member, "remind on")
        for member in (town.bob, dee):
            await w.say(member, "nudges on")
        said = await w.say(town.bob, "away set", **{"from": "2026-03-13", "until": "2026-03-14"})
        assert said == (
            "🏖️ You are away Fri 13 Mar 2026 to Sat 14 Mar 2026 (your time, Europe/Paris)."
            " Your usual hours on those days do not count: no 📅 on the daily message, no"
            " reminder, no nudge. Reactions still count. It ends by itself; /away cancel"
            " takes it back sooner."
        )
        assert await _absences(w) == [(town.bob.user_id, "2026-03-13", "2026-03-14", "")]
        shown = (await w.say(town.bob, "schedule show")).splitlines()
        assert "Sat 14 Mar: 🏖️ away, usual hours not counted" in shown
        assert "Sun 15 Mar: 20:00-22:00 → 20:00-22:00" in shown

        text = await _day_posted(w, SATURDAY)
        assert "carol 📅" in text
        assert "bob" not in text
        await driver.react(town.alice, w.posted().id, C)
        await w.until(lambda: bool(driver.dms(dee)), "Dee's nudge")
        w.clock.set(_at(SATURDAY, 19, 50))
        await w.until(lambda: bool(driver.dms(carol)), "Carol's reminder")
        delivered = await _deliveries(w, SATURDAY)
        assert delivered == {("nudge", dee.user_id): "sent", ("reminder", carol.user_id): "sent"}
        assert driver.dms(town.bob) == []

        text = await _day_posted(w, SUNDAY)
        assert "bob 📅" in text
        assert "carol 📅" in text
        assert await w.say(town.bob, "away show") == (
            "You are not away. /away set from:2026-07-14 until:… says when you will be."
        )


async def test_show_cancel_and_today_s_message(endpoints: Endpoints, short_tmp: Path) -> None:
    """Alice (usual Tuesday 20:00) away today: today's message drops her 📅 at once; /away
    show lists both her absences; cancel offers them, takes back the one picked (and the
    next one by default): her 📅 comes back."""
    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        await _usual(w, town.alice, 1, 20)
        await w.daily_says("Alice 📅")
        await w.say(town.alice, "away set", **{"from": "2026-03-10", "until": "2026-03-10"})
        await w.say(
            town.alice, "away set", **{"from": "2026-04-01", "until": "2026-04-05", "note": "Lyon"}
        )
        await w.until(lambda: "Alice" not in w.posted().content, "Alice off today's message")
        assert await w.say(town.alice, "away show") == "\n".join(
            [
                "🏖️ You are away (your usual hours do not count):",
                "• Tue 10 Mar 2026",
                "• Wed 01 Apr 2026 to Sun 05 Apr 2026 · Lyon",
                "/away cancel takes one back.",
            ]
        )
        offered = await driver.autocomplete(
            town.alice, town.text, "away cancel", {"from": "lyon"}, focused="from"
        )
        assert [(c.name, c.value) for c in offered] == [
            ("Wed 01 Apr 2026 to Sun 05 Apr 2026 · Lyon", "2026-04-01")
        ]
        said = await w.say(town.alice, "away cancel", **{"from": "2026-04-01"})
        assert said == (
            "Cancelled your absence Wed 01 Apr 2026 to Sun 05 Apr 2026 · Lyon: your usual"
            " hours count again."
        )
        assert await _absences(w) == [(town.alice.user_id, "2026-03-10", "2026-03-10", "")]
        said = await w.say(town.alice, "away cancel")
        assert said.startswith("Cancelled your absence Tue 10 Mar 2026:")
        assert await _absences(w) == []
        await w.daily_says("Alice 📅")


async def test_dates_are_offered_in_the_member_s_own_time(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """At 17:30 on Tuesday in Paris it is already Wednesday in Auckland: Alice (there) is
    offered Wednesday first; ``until`` starts at the ``from`` she picked."""
    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await w.say(town.alice, "timezone set", zone="Pacific/Auckland")
        offered = await driver.autocomplete(
            town.alice, town.text, "away set", {"from": ""}, focused="from"
        )
        assert offered[0].name == "Wed 11 Mar 2026 · today"
        offered = await driver.autocomplete(
            town.alice,
            town.text,
            "away set",
            {"from": "2026-03-20", "until": ""},
            focused="until",
        )
        assert offered[0].value == "2026-03-20"
        refused = await w.say(
            town.alice, "away set", **{"from": "2026-03-10", "until": "2026-03-10"}
        )
        assert refused == (
            "⚠️ Tue 10 Mar 2026 is in the past: an absence starts today (Wed 11 Mar 2026,"
            " your time) or later."
        )


async def _refused(w: World, member: Member, command: str, **options: str) -> str:
    """The private answer ``member`` reads to ``command``."""
    outcome = await w.slash(member, command, options)
    assert outcome.message is not None
    assert outcome.ephemeral
    return outcome.message.content


REFUSED_ABSENCES = [
    (
        {"from": "2026-03-20", "until": "2026-03-18"},
        "⚠️ Your absence would end (Wed 18 Mar 2026) before it starts (Fri 20 Mar 2026).",
    ),
    (
        {"from": "2026-03-09", "until": "2026-03-12"},
        "⚠️ Mon 09 Mar 2026 is in the past: an absence starts today (Tue 10 Mar 2026,"
        " your time) or later.",
    ),
    (
        {"from": "2026-03-20", "until": "2027-03-12"},
        "⚠️ Fri 12 Mar 2027 is more than a year ahead: an absence ends by Thu 11 Mar 2027.",
    ),
    (
        {"from": "next friday", "until": "2026-03-20"},
        "⚠️ `from` must be a date like 2026-07-14 (pick one of the suggestions), not 'next friday'.",
    ),
    (
        {"from": "2026-03-20", "until": "2026-W12-6"},
        "⚠️ `until` must be a date like 2026-07-14 (pick one of the suggestions), not '2026-W12-6'.",
    ),
    (
        {"from": "2026-03-20", "until": "2026-03-21", "note": "x" * 101},
        "⚠️ `note` holds at most 100 characters; yours has 101.",
    ),
]
"""Options of /away set that are refused whoever asks, and the reason given."""


async def test_bad_input_is_refused_privately_and_changes_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Ending before it starts, a past date, more than a year ahead, malformed dates, a long
    note, an overlap, another member's absence to cancel and an unknown action: each gets a
    private reason, and only Bob's one absence stands."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        await w.say(town.bob, "away set", **{"from": "2026-03-14", "until": "2026-03-15"})
        before = await _absences(w)
        for options, reason in REFUSED_ABSENCES:
            assert await _refused(w, town.alice, "away set", **options) == reason
        overlap = await _refused(
            w, town.bob, "away set", **{"from": "2026-03-15", "until": "2026-03-16"}
        )
        assert overlap == (
            "⚠️ You are already away Sat 14 Mar 2026 to Sun 15 Mar 2026: /away cancel it first,"
            " or choose other days."
        )
        tampered = await _refused(w, town.alice, "away cancel", **{"from": "2026-03-14"})
        assert tampered == "⚠️ You have no absence starting Sat 14 Mar 2026: /away show lists yours."
        nothing = await _refused(w, town.alice, "away cancel")
        assert nothing == "⚠️ You are not away: nothing to cancel."
        unknown = await w.relay(kind="command", command="away forever")
        assert unknown.content == "⚠️ Unknown /away action 'forever'."
        assert unknown.ephemeral
        assert await _absences(w) == before


async def test_a_re_sent_absence_is_stored_once_and_never_undoes_its_cancel(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The same /away set relayed twice is one row and one answer; cancelled afterwards, a
    late third copy of it brings nothing back."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        said_at = w.clock.now()

        async def relay(command: str, options: dict[str, str], at: float) -> str:
            interaction = Interaction(
                kind="command",
                interaction_id=7,
                guild_id=town.guild.id,
                channel_id=town.text.id,
                member=MemberFacts(user_id=town.bob.user_id, display_name="bob"),
                command=command,
                options=options,
                at=at,
            )
            async with w.peer() as bus:
                answer = await bus.request(
                    "scheduler", interaction, expect=InteractionAnswer, timeout=STEP
                )
            return answer.response.content

        trip = {"from": "2026-03-14", "until": "2026-03-15", "note": "Lyon"}
        first = await relay("away set", trip, said_at)
        assert await relay("away set", trip, said_at) == first
        assert await _absences(w) == [(town.bob.user_id, "2026-03-14", "2026-03-15", "Lyon")]
        cancelled = await relay("away cancel", {}, said_at + 60)
        assert cancelled.startswith("Cancelled your absence")
        late = await relay("away set", trip, said_at)
        assert late == "⚠️ That absence was taken back meanwhile: /away show says what stands."
        assert await _absences(w) == []
        assert await w.say(town.bob, "away show") == (
            "You are not away. /away set from:2026-07-14 until:… says when you will be."
        )
