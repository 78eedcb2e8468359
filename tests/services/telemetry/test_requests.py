"""The request API: config, schedules, day state, timezones, and typed refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import RemoteError, RequestRefused
from bus.protocol import (
    ClearSchedule,
    DayStateReply,
    Envelope,
    GetDayState,
    GetGuildConfig,
    GetSchedules,
    GetTimezones,
    GetVoiceSessions,
    GuildConfig,
    GuildConfigReply,
    MarkFacts,
    MemberSchedule,
    PostWindow,
    RecordDailyPost,
    RecordMark,
    Reply,
    Request,
    SchedulesReply,
    SetGuildConfig,
    SetSchedule,
    SetTimezone,
    TelemetryRequest,
    TimezonesReply,
    WeeklySlot,
)
from tests.helpers import run
from tests.services.telemetry.serving import serving

GUILD = 1000


async def ask(path: Path, *requests: TelemetryRequest) -> list[Reply]:
    """The replies to ``requests``, in order, from a service over ``path``."""
    async with serving(path) as served:
        return [await served.requests.answer(request) for request in requests]


def test_config_defaults_then_round_trip(db_path: Path) -> None:
    """A never-configured guild gets defaults; a saved config reads back equal."""
    config = GuildConfig(
        guild_id=GUILD,
        channel_id=5,
        post_time="18:30",
        timezone="Europe/Paris",
        window_start=20,
        window_hours=3,
        hour_emoji=["🕗", "🕘", "🕙"],
        voice_channel_ids=[11, 12],
        afk_channel_id=13,
        rank_emoji={77: "⭐"},
        greetings=True,
    )
    replies = run(
        ask(db_path, GetGuildConfig(guild_id=GUILD), SetGuildConfig(config=config)), timeout=10
    )
    assert replies[0] == GuildConfigReply(config=GuildConfig(guild_id=GUILD))
    assert replies[1] == GuildConfigReply(config=config)
    assert run(ask(db_path, GetGuildConfig(guild_id=GUILD)), timeout=10) == [replies[1]]


def test_saving_one_schedule_leaves_others(db_path: Path) -> None:
    """Saving or clearing one member's schedule never touches another member's."""
    one = MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=0, hour=20)])
    two = MemberSchedule(user_id=2, slots=[WeeklySlot(weekday=5, hour=21)])
    again = MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=2, hour=19)])
    replies = run(
        ask(
            db_path,
            SetSchedule(guild_id=GUILD, schedule=one),
            SetSchedule(guild_id=GUILD, schedule=two),
            SetSchedule(guild_id=GUILD, schedule=again),
            GetSchedules(guild_id=GUILD),
            ClearSchedule(guild_id=GUILD, user_id=1),
            GetSchedules(guild_id=GUILD),
        ),
        timeout=10,
    )
    assert replies[3] == SchedulesReply(guild_id=GUILD, schedules=[again, two])
    assert replies[5] == SchedulesReply(guild_id=GUILD, schedules=[two])


def test_a_schedule_keeps_its_clock_and_a_post_its_window(db_path: Path) -> None:
    """A schedule saved in a member's zone comes back in it; a post keeps the window it
    was made with, emoji included."""
    paris = MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=5, hour=3)], zone="Europe/Paris")
    window = PostWindow("America/New_York", 22, 3, ["🌙", "⭐", "🌟"])
    replies = run(
        ask(
            db_path,
            SetSchedule(guild_id=GUILD, schedule=paris),
            RecordDailyPost(
                guild_id=GUILD, date="2026-03-29", channel_id=5, message_id=99, window=window
            ),
            GetDayState(guild_id=GUILD, date="2026-03-29"),
        ),
        timeout=10,
    )
    assert replies[0] == SchedulesReply(guild_id=GUILD, schedules=[paris])
    assert isinstance(replies[2], DayStateReply)
    assert replies[2].window == window


def test_day_state_post_and_marks(db_path: Path) -> None:
    """The day's post and marks are stored; a cancel updates the mark, an older one loses."""
    mark = MarkFacts(user_id=1, hour=20, source="reaction", at=100.0)
    replies = run(
        ask(
            db_path,
            GetDayState(guild_id=GUILD, date="2026-03-29"),
            RecordDailyPost(guild_id=GUILD, date="2026-03-29", channel_id=5, message_id=99),
            RecordMark(guild_id=GUILD, date="2026-03-29", mark=mark),
            RecordMark(
                guild_id=GUILD,
                date="2026-03-29",
                mark=MarkFacts(user_id=1, hour=20, source="reaction", cancelled=True, at=200.0),
            ),
            RecordMark(guild_id=GUILD, date="2026-03-29", mark=mark),  # re-sent, older
        ),
        timeout=10,
    )
    assert replies[0] == DayStateReply(guild_id=GUILD, date="2026-03-29")
    final = replies[4]
    assert isinstance(final, DayStateReply)
    assert (final.channel_id, final.message_id) == (5, 99)
    assert final.marks == [
        MarkFacts(user_id=1, hour=20, source="reaction", cancelled=True, at=200.0)
    ]


def test_day_state_by_instant_uses_community_date(db_path: Path) -> None:
    """Without a date, the day is the community date of the instant in the guild's zone."""
    config = GuildConfig(guild_id=GUILD, timezone="Pacific/Auckland")
    # 2026-03-29 12:30 UTC is already 2026-03-30 01:30 in Auckland.
    replies = run(
        ask(
            db_path,
            SetGuildConfig(config=config),
            GetDayState(guild_id=GUILD, at=1_774_787_400.0),
        ),
        timeout=10,
    )
    assert isinstance(replies[1], DayStateReply)
    assert replies[1].date == "2026-03-30"


def test_timezones(db_path: Path) -> None:
    """Timezones are set, listed for several members (unset ones omitted) and forgotten."""
    replies = run(
        ask(
            db_path,
            SetTimezone(user_id=1, timezone="Europe/Paris"),
            SetTimezone(user_id=2, timezone="America/New_York"),
            GetTimezones(user_ids=[1, 2, 3]),
            SetTimezone(user_id=1, timezone=""),
            GetTimezones(user_ids=[1, 2]),
        ),
        timeout=10,
    )
    assert replies[2] == TimezonesReply(timezones={1: "Europe/Paris", 2: "America/New_York"})
    assert replies[4] == TimezonesReply(timezones={2: "America/New_York"})


BAD = [
    (SetTimezone(user_id=1, timezone="Mars/Olympus"), "bad_timezone"),
    (SetGuildConfig(config=GuildConfig(guild_id=GUILD, timezone="CEST")), "bad_timezone"),
    (SetGuildConfig(config=GuildConfig(guild_id=GUILD, window_hours=21)), "bad_window"),
    (SetGuildConfig(config=GuildConfig(guild_id=GUILD, window_hours=0)), "bad_window"),
    (SetGuildConfig(config=GuildConfig(guild_id=GUILD, window_start=24)), "bad_hour"),
    (SetGuildConfig(config=GuildConfig(guild_id=GUILD, post_time="25:00")), "bad_post_time"),
    (
        SetGuildConfig(config=GuildConfig(guild_id=GUILD, window_hours=2, hour_emoji=["a", "a"])),
        "bad_emoji",
    ),
    (
        SetSchedule(
            guild_id=GUILD,
            schedule=MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=0, hour=24)]),
        ),
        "bad_hour",
    ),
    (
        SetSchedule(
            guild_id=GUILD,
            schedule=MemberSchedule(user_id=1, slots=[WeeklySlot(weekday=7, hour=1)]),
        ),
        "bad_weekday",
    ),
    (
        RecordMark(
            guild_id=GUILD, date="2026-01-01", mark=MarkFacts(user_id=1, hour=-1, source="voice")
        ),
        "bad_hour",
    ),
    (
        RecordMark(
            guild_id=GUILD, date="2026-01-01", mark=MarkFacts(user_id=1, hour=1, source="dm")
        ),
        "bad_source",
    ),
    (
        SetSchedule(
            guild_id=GUILD,
            schedule=MemberSchedule(user_id=1, slots=[], zone="Europe/Pariss"),
        ),
        "bad_timezone",
    ),
    (
        RecordDailyPost(
            guild_id=GUILD,
            date="2026-01-01",
            channel_id=5,
            message_id=9,
            window=PostWindow("Europe/Paris", 18, 21),
        ),
        "bad_window",
    ),
    (GetDayState(guild_id=GUILD, date="29/03/2026"), "bad_date"),
    # Its midnight is before the epoch: no instant the bus carries (the reply would be refused).
    (GetVoiceSessions(guild_id=GUILD, first_day="1969-12-31"), "bad_date"),
    (RecordDailyPost(guild_id=GUILD, date="2026-01-01", channel_id=5, message_id=0), "bad_request"),
]


@pytest.mark.parametrize(("request_", "code"), BAD, ids=[code for _, code in BAD])
def test_bad_requests_are_refused_with_a_code(
    db_path: Path, request_: TelemetryRequest, code: str
) -> None:
    """Each bad request is refused with its stable code and nothing is stored."""
    with pytest.raises(RequestRefused) as refused:
        run(ask(db_path, request_), timeout=10)
    assert refused.value.code == code
    assert refused.value.message


@pytest.mark.within(20)
async def test_refusal_reaches_the_requester_over_the_bus(
    endpoints: Endpoints, db_path: Path
) -> None:
    """Over the bus a refusal arrives as a RemoteError carrying the same code."""
    async with serving(db_path) as served:
        service = BusClient("telemetry", endpoints)

        async def answer(envelope: Envelope, request: Request) -> Reply:
            assert isinstance(request, TelemetryRequest)
            return await served.requests.answer(request)

        service.on_requests(answer)
        async with service, BusClient("scheduler", endpoints) as scheduler:
            with pytest.raises(RemoteError) as refused:
                await scheduler.request(
                    "telemetry",
                    SetGuildConfig(config=GuildConfig(guild_id=GUILD, window_hours=24)),
                    expect=GuildConfigReply,
                    timeout=5,
                )
            error = refused.value
    assert error.code == "bad_window"
    assert "20 hours" in error.message
