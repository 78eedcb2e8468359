"""/plan end to end: the real gateway's nextcord client, telemetry and the scheduler against
the emulator, on a clock the test moves. Tuesday 10 March 2026 17:30 in Paris, hours 18:00
(🇦) to 21:00 (🇩); Los Angeles is on summer time from 8 March, Paris not before 29 March:
18:00 in Paris is 10:00 there.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import GetPlans, Interaction, InteractionAnswer, MemberFacts, PlansReply
from emulator.rules.state import Member
from emulator.simulator.seen import SeenMessage
from services.scheduler.commands.plan import pick_id
from services.scheduler.daily import NOT_TODAY
from tests.services.inprocess import STEP
from tests.services.scheduler.support import PARIS, World, world
from tests.services.scheduler.test_reminders import _day

A, D = "🇦", "🇩"
LA = "America/Los_Angeles"
TODAY, NEXT_TUESDAY = date(2026, 3, 10), date(2026, 3, 17)


def _at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


def _value(day: date, hour: int) -> str:
    """The select's value for Paris hour ``hour`` of ``day``: its first instant."""
    return str(int(_at(day, hour)))


async def _plans(w: World) -> list[tuple[int, str, int]]:
    """(member, community day, hour) of the standing plans, as telemetry has them."""
    async with w.peer() as bus:
        found = await bus.request(
            "telemetry", GetPlans(guild_id=w.town.guild.id), expect=PlansReply, timeout=STEP
        )
    return [(p.user_id, p.day, p.hour) for p in found.plans]


async def _plan(w: World, member: Member, day: date, clock: str, *values: str) -> str:
    """``/plan set`` for ``day``, then pick ``values`` in its select; the answer's text."""
    opened = await w.slash(member, "plan set", {"day": day.isoformat()})
    assert opened.message is not None
    assert opened.ephemeral
    picked = await w.emu.driver.select(member, opened.message.id, pick_id(day, clock), list(values))
    assert picked.message is not None
    return picked.message.content


def _line(w: World, emoji: str) -> str:
    return next(line for line in w.posted().content.splitlines() if line.startswith(emoji))


async def test_a_plan_for_next_tuesday_by_a_los_angeles_member_shows_on_tuesday_s_message(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob, in Los Angeles, is offered his dates and, for next Tuesday, 10:00-13:00 his time;
    he plans 13:00: one row (17 March, Paris 21:00); /plan show and /schedule show list it;
    Tuesday 17's message lists him 👍 at 21:00 (🇩) and nowhere else, Wednesday's not."""
    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        await w.say(town.bob, "timezone set", zone=LA)
        offered = await driver.autocomplete(
            town.bob, town.text, "plan set", {"day": ""}, focused="day"
        )
        assert [c.name for c in offered[:2]] == [
            "Tue 10 Mar 2026 · today",
            "Wed 11 Mar 2026 · tomorrow",
        ]
        assert offered[-1].value == "2026-03-23"  # 14 days: today and 13 more
        opened = await w.slash(town.bob, "plan set", {"day": "2026-03-17"})
        assert opened.message is not None
        (select,) = opened.message.selects
        assert [o.label for o in select.options] == ["10:00", "11:00", "12:00", "13:00"]
        said = await _plan(w, town.bob, NEXT_TUESDAY, LA, _value(NEXT_TUESDAY, 21))
        assert said == (
            "👍 Planned on Tue 17 Mar 2026: 13:00 (your time, America/Los_Angeles)."
            " That day's message lists you in those hours as if you had clicked them."
        )
        assert await _plans(w) == [(town.bob.user_id, "2026-03-17", 21)]
        assert await w.say(town.bob, "plan show") == "\n".join(
            [
                "👍 Your planned hours (your time, America/Los_Angeles):",
                "• Tue 17 Mar 2026: 13:00",
                "/plan set changes a day; /plan cancel clears one.",
            ]
        )
        assert "Tue 17 Mar: 👍 planned 13:00" in (await w.say(town.bob, "schedule show"))
        cancel = await driver.autocomplete(
            town.bob, town.text, "plan cancel", {"day": ""}, focused="day"
        )
        assert [c.value for c in cancel] == ["2026-03-17"]
        assert "bob" not in w.posted().content  # today's message: the plan is for Tuesday 17

        w.clock.set(_at(NEXT_TUESDAY, 12, 5))
        await w.daily_says("Tuesday 17 March", "bob 👍")
        assert "bob 👍" in _line(w, D)
        assert all("bob" not in _line(w, e) for e in ("🇦", "🇧", "🇨"))
        w.clock.set(_at(date(2026, 3, 18), 12, 5))
        await w.daily_says("Wednesday 18 March")
        assert "bob" not in w.posted().content


async def test_a_plan_counts_for_a_reminder_and_a_call_like_a_click(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob plans today's 21:00 (🇩): the message lists him at once; with Alice's click the
    quorum of 2 calls them both; his reminder comes before 21:00; "Not today" takes the
    plan back and the row goes."""
    async with world(endpoints, short_tmp) as w:
        town, driver = w.town, w.emu.driver
        posted = await _day(w)
        await w.say(town.admin, "config quorum", size=2)
        await w.say(town.bob, "remind on")
        await _plan(w, town.bob, TODAY, "", _value(TODAY, 21))
        await w.daily_says("**1** · bob 👍")
        await driver.react(town.alice, posted.id, D)
        await w.daily_says("**2** · Alice 👍, bob 👍")

        def calls() -> list[SeenMessage]:
            return [
                m for m in driver.messages(town.text, town.alice) if "Enough players" in m.content
            ]

        await w.until(lambda: len(calls()) == 1, "the call")
        assert calls()[0].pinged == frozenset({town.alice.user_id, town.bob.user_id})
        w.clock.set(_at(TODAY, 20, 50))
        await w.until(lambda: bool(driver.dms(town.bob)), "Bob's reminder")
        assert f"<t:{int(_at(TODAY, 21))}:t>" in driver.dms(town.bob)[-1].content

        not_today = await driver.click(town.bob, posted.id, NOT_TODAY)
        assert not_today.message is not None
        assert "You are off today's list" in not_today.message.content
        await w.until(lambda: "bob" not in _line(w, D), "Bob off 21:00")
        assert await _plans(w) == []


async def _refused(w: World, command: str, **options: str) -> str:
    """The private answer Alice reads to ``command``."""
    outcome = await w.slash(w.town.alice, command, options)
    assert outcome.message is not None
    assert outcome.ephemeral
    return outcome.message.content


async def _picked(w: World, custom_id: str, *values: str) -> str:
    """The private answer to a pick in the menu ``custom_id``."""
    answer = await w.relay(custom_id=custom_id, values=list(values))
    assert answer.ephemeral
    return answer.content


async def _bad_days_are_refused(w: World) -> None:
    assert await _refused(w, "plan set", day="2026-03-09") == (
        "⚠️ Mon 09 Mar 2026 is in the past: plan today (Tue 10 Mar 2026, your time) or a later day."
    )
    assert await _refused(w, "plan set", day="2026-03-24") == (
        "⚠️ Tue 24 Mar 2026 is more than 14 days ahead: plan up to Mon 23 Mar 2026."
    )
    assert await _refused(w, "plan set", day="next tuesday") == (
        "⚠️ `day` must be a date like 2026-07-14 (pick one of the suggestions), not 'next tuesday'."
    )
    assert await _refused(w, "plan cancel", day="2026-03-17") == (
        "⚠️ You have no hours planned on Tue 17 Mar 2026: /plan show lists yours."
    )


async def _bad_picks_are_refused(w: World) -> None:
    """Picks of an hour over, of another day, tampered values and stale or tampered menus."""
    assert await _picked(w, pick_id(TODAY, ""), _value(TODAY, 20)) == (
        "⚠️ 20:00 on Tue 10 Mar 2026 is over. Nothing was changed."
    )
    menu = pick_id(NEXT_TUESDAY, "")
    assert await _picked(w, menu, _value(date(2026, 3, 16), 21)) == (
        f"⚠️ '{_value(date(2026, 3, 16), 21)}' is not an hour offered on Tue 17 Mar 2026."
        " Nothing was changed."
    )
    assert await _picked(w, menu, "21") == (
        "⚠️ '21' is not an hour offered on Tue 17 Mar 2026. Nothing was changed."
    )
    assert await _picked(w, pick_id(date(2026, 3, 30), ""), _value(date(2026, 3, 30), 21)) == (
        "⚠️ Mon 30 Mar 2026 is more than 14 days ahead: plan up to Mon 23 Mar 2026."
    )
    assert await _picked(w, pick_id(NEXT_TUESDAY, LA), _value(NEXT_TUESDAY, 21)) == (
        "⚠️ That menu is out of date: run /plan set again."
    )
    assert await _picked(w, "scheduler:plan:soon:", "1") == (
        "⚠️ That menu is out of date: run /plan set again."
    )


async def test_bad_input_is_refused_privately_and_writes_nothing(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A past date, a date 14 days ahead, a malformed date, an hour over, an hour of another
    day, a tampered value, a tampered or stale custom id, nothing to cancel and an unknown
    action: each gets a private reason and no row is written."""
    async with world(endpoints, short_tmp) as w:
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        await _bad_days_are_refused(w)
        w.clock.set(_at(TODAY, 22, 30))
        assert await _refused(w, "plan set", day="2026-03-10") == (
            "⚠️ No hour of the play window is left on Tue 10 Mar 2026 (your time)."
        )
        await _bad_picks_are_refused(w)
        unknown = await w.relay(kind="command", command="plan forever")
        assert unknown.content == "⚠️ Unknown /plan action 'forever'."
        assert await _plans(w) == []


async def test_a_re_sent_plan_is_stored_once_and_never_undoes_its_cancel(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The same pick relayed twice is one row and one answer; cleared afterwards, a late
    third copy of the pick brings nothing back."""
    async with world(endpoints, short_tmp) as w:
        town = w.town
        await w.configure(start=18, hours=4)
        await w.daily_posted()
        said_at = w.clock.now()

        async def relay(at: float, **fields: object) -> str:
            interaction = Interaction(
                interaction_id=7,
                guild_id=town.guild.id,
                channel_id=town.text.id,
                member=MemberFacts(user_id=town.bob.user_id, display_name="bob"),
                at=at,
                **fields,  # type: ignore[arg-type]
            )
            async with w.peer() as bus:
                answer = await bus.request(
                    "scheduler", interaction, expect=InteractionAnswer, timeout=STEP
                )
            return answer.response.content

        pick = {
            "kind": "component",
            "custom_id": pick_id(NEXT_TUESDAY, ""),
            "values": [_value(NEXT_TUESDAY, 20)],
        }
        first = await relay(said_at, **pick)
        assert await relay(said_at, **pick) == first
        assert await _plans(w) == [(town.bob.user_id, "2026-03-17", 20)]
        cleared = await relay(
            said_at + 60, kind="command", command="plan cancel", options={"day": "2026-03-17"}
        )
        assert cleared == "Cleared your planned hours on Tue 17 Mar 2026."
        late = await relay(said_at, **pick)
        assert late == "You have no hours planned on Tue 17 Mar 2026."
        assert await _plans(w) == []
