"""Small builders for hand-made voice sessions in a known timezone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.telemetry.analytics.sessions import (
    GuildClock,
    GuildDataset,
    Member,
    Period,
    Roster,
    VoiceSession,
)

GUILD = 7
AFK = 99
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
ALICE, BOB, CAROL, DAVE, ERIN = 1, 2, 3, 4, 5
MUSIC_BOT = 50
ROSTER = Roster.of(
    [
        Member(ALICE, "Alice"),
        Member(BOB, "Bob"),
        Member(CAROL, "Carol"),
        Member(DAVE, "Dave"),
        Member(ERIN, "Erin"),
        Member(MUSIC_BOT, "Jukebox", is_bot=True),
    ]
)
EPOCH = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday


def clock(tz: ZoneInfo = PARIS) -> GuildClock:
    """The test guild in ``tz`` with its AFK channel."""
    return GuildClock(GUILD, tz, AFK)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    """An aware local time (the first one if the wall time happens twice)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def minutes(start: float, end: float, channel: int = 10, user: int = ALICE) -> VoiceSession:
    """A session between two offsets in minutes after ``EPOCH``."""
    return VoiceSession(
        GUILD, channel, user, EPOCH + timedelta(minutes=start), EPOCH + timedelta(minutes=end)
    )


def between(start: datetime, end: datetime, channel: int = 10, user: int = ALICE) -> VoiceSession:
    """A session of the test guild."""
    return VoiceSession(GUILD, channel, user, start, end)


def all_time() -> Period:
    """A period wide enough for every test session."""
    return Period(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def community(seed: int, sessions: int = 400, members: int = 24) -> GuildDataset:
    """A seeded little community: two friend groups who meet in the evenings of May 2025."""
    rng = random.Random(seed)
    users = list(range(100, 100 + members))
    roster = Roster.of(
        [Member(user, f"Player {user}") for user in users]
        + [Member(900, "Quiet One"), Member(901, "DJ", is_bot=True)]
    )
    out: list[VoiceSession] = []
    while len(out) < sessions:
        group = users[: members // 2] if rng.random() < 0.5 else users[members // 2 :]
        channel = 10 if group[0] == users[0] else 11
        meet = local(PARIS, 2025, 5, 1 + rng.randrange(30), 20) + timedelta(
            minutes=rng.randrange(180)
        )
        for user in rng.sample(group, k=rng.randint(1, 4)):
            start = meet + timedelta(minutes=rng.uniform(-15, 30))
            out.append(
                between(start, start + timedelta(minutes=rng.uniform(5, 150)), channel, user)
            )
    names = {10: "Raid Room", 11: "Chill $pot"}
    return GuildDataset(clock(), roster, tuple(out), names)
