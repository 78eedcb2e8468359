"""Regulars and nudge choices: who usually plays on a weekday, with whom, and who wants nudges."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bus.errors import RequestRefused
from bus.protocol import (
    ForgetMember,
    GetNudges,
    GetRegulars,
    GuildConfig,
    NudgeChoice,
    NudgesReply,
    Regular,
    RegularsReply,
    SetGuildConfig,
    SetNudge,
    SetTelemetryOptOut,
)
from services.telemetry.ingest import Recorder
from services.telemetry.regulars import regulars, weeks_played
from tests.helpers import run
from tests.services.telemetry.events import GUILD, envelope, voice
from tests.services.telemetry.test_requests import ask

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 24)  # a Tuesday; 29 March is the day Paris's clocks go forward
ANN, BOB, CID, DEE, BOT = 1, 2, 3, 4, 9
LOUNGE, AFK = 11, 13


def at(day: date, hour: int, minute: int = 0) -> float:
    """Unix seconds of a local Paris time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp()


def weeks_ago(weeks: int) -> date:
    return TODAY - timedelta(days=7 * weeks)


def test_weeks_played_counts_days_with_any_presence() -> None:
    """A stay crossing into a day counts for it; one ending at its midnight does not."""
    days = [(100.0, 200.0), (300.0, 400.0), (500.0, 600.0)]
    assert weeks_played([(150.0, 160.0), (390.0, 510.0)], days) == 3
    assert weeks_played([(50.0, 100.0), (200.0, 300.0)], days) == 0


def test_regulars_from_presence_rank_partners_by_shared_time() -> None:
    """Ann played on two of the last four Tuesdays, with Bob longer than with Cid; Dee
    played on only one Tuesday, and on a Monday: not a regular."""
    two, three = weeks_ago(2), weeks_ago(3)
    channels = {
        LOUNGE: {
            ANN: [(at(two, 20), at(two, 23)), (at(three, 20), at(three, 22))],
            BOB: [(at(two, 20), at(two, 23))],
            CID: [(at(three, 21), at(three, 22))],
            DEE: [
                (at(three, 20), at(three, 21)),
                (at(TODAY - timedelta(days=1), 20), at(TODAY - timedelta(days=1), 22)),
            ],
        }
    }
    found = regulars(channels, TODAY, PARIS, weeks=4, min_weeks=2, partners=5)
    assert found == [type(found[0])(ANN, 2, (BOB, CID, DEE))]
    assert regulars(channels, TODAY, PARIS, weeks=4, min_weeks=2, partners=1)[0].partners == (BOB,)
    assert [
        r.user_id for r in regulars(channels, TODAY, PARIS, weeks=4, min_weeks=1, partners=0)
    ] == [
        ANN,
        BOB,
        CID,
        DEE,
    ]


def test_a_weekday_is_the_community_day_not_the_utc_day() -> None:
    """00:30 on a Tuesday in Paris is Monday in UTC: it counts for Tuesday."""
    one, two = weeks_ago(1), weeks_ago(2)
    channels = {LOUNGE: {ANN: [(at(one, 0, 30), at(one, 1)), (at(two, 0, 30), at(two, 1))]}}
    assert datetime.fromtimestamp(at(one, 0, 30), UTC).weekday() == 0
    assert [
        r.user_id for r in regulars(channels, TODAY, PARIS, weeks=4, min_weeks=2, partners=5)
    ] == [ANN]


def _history(recorder: Recorder, connection: sqlite3.Connection) -> None:
    """Ann and Bob together on three Tuesdays, Cid with them on two, a bot always there,
    Dee only in the AFK channel."""
    for weeks in (4, 2, 1):
        day = weeks_ago(weeks)
        events = [
            envelope(voice(ANN, 0, LOUNGE, at(day, 20))),
            envelope(voice(BOB, 0, LOUNGE, at(day, 20, 30))),
            envelope(voice(BOT, 0, LOUNGE, at(day, 20))),
            envelope(voice(DEE, 0, AFK, at(day, 20))),
            envelope(voice(ANN, LOUNGE, 0, at(day, 23))),
            envelope(voice(BOB, LOUNGE, 0, at(day, 23))),
            envelope(voice(BOT, LOUNGE, 0, at(day, 23))),
            envelope(voice(DEE, AFK, 0, at(day, 23))),
        ]
        if weeks != 4:
            events += [
                envelope(voice(CID, 0, LOUNGE, at(day, 22))),
                envelope(voice(CID, LOUNGE, 0, at(day, 23))),
            ]
        recorder.ingest(connection, events, at(day, 23, 30))
    connection.execute("UPDATE members SET is_bot = 1 WHERE user_id = ?", (BOT,))


def test_regulars_from_the_record_leave_out_bots_afk_and_opt_outs(
    recorder: Recorder, connection: sqlite3.Connection, db_path: Path
) -> None:
    """The stored history gives Ann, Bob and Cid as Tuesday regulars with their co-players;
    the bot and the AFK channel count for nothing; once Cid opts out, he is nowhere."""
    _history(recorder, connection)
    config = GuildConfig(guild_id=GUILD, timezone="Europe/Paris", afk_channel_id=AFK)
    request = GetRegulars(guild_id=GUILD, date=TODAY.isoformat())
    replies = run(
        ask(
            db_path,
            SetGuildConfig(config=config),
            request,
            SetTelemetryOptOut(user_id=CID, opted_out=True),
            request,
            GetRegulars(guild_id=GUILD, date=(TODAY + timedelta(days=1)).isoformat()),
        ),
        timeout=10,
    )
    assert replies[1] == RegularsReply(
        guild_id=GUILD,
        date=TODAY.isoformat(),
        regulars=[
            Regular(user_id=ANN, weeks=3, partners=[BOB, CID]),
            Regular(user_id=BOB, weeks=3, partners=[ANN, CID]),
            Regular(user_id=CID, weeks=2, partners=[ANN, BOB]),
        ],
    )
    assert replies[3] == RegularsReply(
        guild_id=GUILD,
        date=TODAY.isoformat(),
        regulars=[
            Regular(user_id=ANN, weeks=3, partners=[BOB]),
            Regular(user_id=BOB, weeks=3, partners=[ANN]),
        ],
    )
    assert replies[4] == RegularsReply(guild_id=GUILD, date=(TODAY + timedelta(days=1)).isoformat())


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (GetRegulars(guild_id=GUILD, date="2026-3-24"), "bad_date"),
        (GetRegulars(guild_id=GUILD, date=TODAY.isoformat(), weeks=0), "bad_period"),
        (GetRegulars(guild_id=GUILD, date=TODAY.isoformat(), weeks=52), "bad_period"),
        (GetRegulars(guild_id=GUILD, date=TODAY.isoformat(), min_weeks=5), "bad_request"),
        (GetRegulars(guild_id=GUILD, date=TODAY.isoformat(), partners=-1), "bad_request"),
        (SetNudge(guild_id=GUILD, user_id=ANN, choice=NudgeChoice(user_id=BOB)), "bad_request"),
        (
            SetNudge(guild_id=GUILD, user_id=ANN, choice=NudgeChoice(user_id=ANN, quiet_end=24)),
            "bad_hour",
        ),
    ],
)
def test_bad_requests_are_refused(db_path: Path, request_: object, code: str) -> None:
    """Bad dates, look-backs, quiet hours and another member's choice are refused."""
    with pytest.raises(RequestRefused) as refused:
        run(ask(db_path, request_), timeout=10)  # type: ignore[arg-type]
    assert refused.value.code == code


def test_nudge_choices_round_trip_and_are_forgotten(db_path: Path) -> None:
    """Ann's nudges with quiet hours 22-8 and Bob's "off" come back; forgetting Ann
    removes hers."""
    ann = NudgeChoice(user_id=ANN, quiet_start=22, quiet_end=8)
    bob = NudgeChoice(user_id=BOB, wanted=False)
    replies = run(
        ask(
            db_path,
            GetNudges(guild_id=GUILD),
            SetNudge(guild_id=GUILD, user_id=ANN, choice=ann),
            SetNudge(guild_id=GUILD, user_id=BOB, choice=bob),
            GetNudges(guild_id=GUILD),
            ForgetMember(user_id=ANN),
            GetNudges(guild_id=GUILD),
            SetGuildConfig(config=GuildConfig(guild_id=GUILD, nudges=True)),
        ),
        timeout=10,
    )
    assert replies[0] == NudgesReply(guild_id=GUILD)
    assert replies[3] == NudgesReply(guild_id=GUILD, choices=[ann, bob])
    assert replies[5] == NudgesReply(guild_id=GUILD, choices=[bob])
    assert replies[6].config.nudges  # type: ignore[union-attr]
