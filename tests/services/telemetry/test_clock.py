"""Community dates around daylight-saving changes: 23- and 25-hour days, no double day."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bus.protocol import GetVoiceSessions, GuildConfig, SetGuildConfig, VoiceSessionsReply
from services.runtime.playtime import community_date
from services.telemetry.clock import local_days
from tests.services.telemetry.events import envelope, voice
from tests.services.telemetry.serving import serving

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (date(2026, 3, 29), "Europe/Paris", 23),  # spring forward
        (date(2026, 10, 25), "Europe/Paris", 25),  # fall back
        (date(2026, 3, 8), "America/New_York", 23),
        (date(2026, 11, 1), "America/New_York", 25),
        (date(2026, 4, 5), "Australia/Sydney", 25),
        (date(2026, 6, 1), "Europe/Paris", 24),
    ],
)
def test_day_lengths(day: date, zone: str, hours: int) -> None:
    """A community day lasts 23, 24 or 25 real hours, as its zone says."""
    start, end = local_days(day, 1, ZoneInfo(zone))
    assert end - start == hours * 3600


def test_fall_back_hour_belongs_to_one_day() -> None:
    """Both passes through 02:30 on the fall-back night fall on that same date."""
    start, end = local_days(date(2026, 10, 25), 1, PARIS)
    first, second = 1_792_891_800.0, 1_792_895_400.0  # 02:30 CEST, then 02:30 CET
    for instant in (first, second):
        assert start <= instant < end
        assert community_date(instant, PARIS) == date(2026, 10, 25)
    assert community_date(end, PARIS) == date(2026, 10, 26)


@pytest.mark.within(10)
async def test_voice_sessions_of_a_spring_forward_day(db_path: Path) -> None:
    """Sessions of a 23-hour local day: bounds from local midnights, edges included by overlap."""
    start, end = local_days(date(2026, 3, 29), 1, PARIS)

    async with serving(db_path, now=end + 60) as served:
        await served.requests.answer(
            SetGuildConfig(config=GuildConfig(guild_id=1000, timezone="Europe/Paris"))
        )
        batch = [
            envelope(voice(1, 0, 11, start - 600)),  # from the day before
            envelope(voice(1, 11, 0, start + 600)),
            envelope(voice(2, 0, 11, end - 60)),  # into the next day, still open
            envelope(voice(3, 0, 11, end + 1)),  # the next day only
        ]
        await served.db.call(served.recorder.ingest, batch, end + 60)
        reply = await served.requests.answer(
            GetVoiceSessions(guild_id=1000, first_day="2026-03-29")
        )
        assert isinstance(reply, VoiceSessionsReply)
        reply = reply
    assert (reply.start, reply.end) == (start, end)
    assert reply.end - reply.start == 23 * 3600
    assert [(s.user_id, s.end) for s in reply.sessions] == [(1, start + 600), (2, 0.0)]
