"""What telemetry refuses: every request is checked here, on the event loop, before the store.

Each check raises ``RequestRefused`` with a stable code (``bad_timezone``, ``bad_window``,
``bad_hour``...), so a requester can tell a bad value from a failure of the store.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bus.errors import ErrorCode, RequestRefused
from bus.protocol import (
    Absence,
    Delivery,
    GetRegulars,
    GuildConfig,
    MarkFacts,
    MemberSchedule,
    NudgeChoice,
    Plan,
    PostWindow,
    ReminderChoice,
)
from services.runtime.playtime import (
    MAX_AWAY_NOTE,
    MAX_QUORUM,
    MAX_REMINDER,
    MAX_WINDOW_HOURS,
    MIN_QUORUM,
    MIN_REMINDER,
    timezone_named,
)
from services.telemetry import days
from services.telemetry.clock import parse_day

MAX_PERIOD_DAYS = 366
# Days whose every instant, in any zone and with a period after them, is a bus ``Instant``
# (from ``INSTANT_MIN``, 1970-01-01 UTC, to ``INSTANT_MAX``, 2100-01-01 UTC).
FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(2098, 12, 31)
MARK_SOURCES = frozenset(days.SOURCES)
_POST_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
MAX_REGULAR_WEEKS, MAX_PARTNERS = 12, 25


def check_timezone(name: str) -> None:
    """Refuse a name that is not an IANA timezone."""
    if timezone_named(name) is None:
        raise RequestRefused(
            ErrorCode.BAD_TIMEZONE, f"{name!r} is not an IANA timezone (Europe/Paris)"
        )


def check_hour(hour: int) -> None:
    """Refuse an hour outside 0-23."""
    if not 0 <= hour <= 23:
        raise RequestRefused(ErrorCode.BAD_HOUR, f"an hour is 0 to 23, not {hour}")


def check_day(text: str) -> date:
    """A ``YYYY-MM-DD`` date whose instants the bus carries, or a refusal."""
    try:
        day = parse_day(text)
    except ValueError:
        raise RequestRefused(ErrorCode.BAD_DATE, f"{text!r} is not a YYYY-MM-DD date") from None
    # A day whose midnight is no ``Instant`` would make a reply that its requester refuses.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RequestRefused(
            ErrorCode.BAD_DATE, f"a date is from {FIRST_DAY} to {LAST_DAY}, not {text}"
        )
    return day


def check_config(config: GuildConfig) -> None:
    """Refuse a configuration the scheduler could not use."""
    if config.guild_id <= 0:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a configuration needs its guild")
    check_window(
        PostWindow(config.timezone, config.window_start, config.window_hours, config.hour_emoji)
    )
    if not _POST_TIME.fullmatch(config.post_time):
        raise RequestRefused(
            ErrorCode.BAD_POST_TIME, f"{config.post_time!r} is not a time like 18:30"
        )
    if config.quorum_size and not MIN_QUORUM <= config.quorum_size <= MAX_QUORUM:
        raise RequestRefused(
            ErrorCode.BAD_QUORUM,
            f"a quorum is {MIN_QUORUM} to {MAX_QUORUM} members (0: off), not {config.quorum_size}",
        )
    if not -1 <= config.week_post_day <= 6:
        raise RequestRefused(
            ErrorCode.BAD_WEEKDAY,
            f"the week-ahead post's weekday is 0 (Monday) to 6, or -1 (off), not"
            f" {config.week_post_day}",
        )
    if not _POST_TIME.fullmatch(config.week_post_time):
        raise RequestRefused(
            ErrorCode.BAD_POST_TIME, f"{config.week_post_time!r} is not a time like 18:30"
        )


def check_window(window: PostWindow) -> None:
    """Refuse a play window (zone, hours, emoji) the scheduler could not use."""
    check_timezone(window.timezone)
    check_hour(window.window_start)
    if not 1 <= window.window_hours <= MAX_WINDOW_HOURS:
        raise RequestRefused(
            ErrorCode.BAD_WINDOW,
            f"the play window is 1 to {MAX_WINDOW_HOURS} hours (one reaction per hour),"
            f" not {window.window_hours}",
        )
    emoji = window.hour_emoji
    if emoji and (len(emoji) != window.window_hours or len(set(emoji)) != len(emoji)):
        raise RequestRefused(
            ErrorCode.BAD_EMOJI,
            f"give {window.window_hours} different emoji, one per hour of the window",
        )


def check_schedule(schedule: MemberSchedule) -> None:
    """Refuse weekdays outside 0-6, hours outside 0-23 and a zone tzdata does not know."""
    if schedule.zone:
        check_timezone(schedule.zone)
    for slot in schedule.slots:
        if not 0 <= slot.weekday <= 6:
            raise RequestRefused(
                ErrorCode.BAD_WEEKDAY, f"a weekday is 0 (Monday) to 6, not {slot.weekday}"
            )
        check_hour(slot.hour)


def check_absence(absence: Absence) -> None:
    """Refuse an absence that ends before it starts, with a bad day, zone or member, or a
    note longer than ``MAX_AWAY_NOTE``."""
    if absence.user_id <= 0:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "an absence needs its member")
    first, last = check_day(absence.first), check_day(absence.last)
    if last < first:
        raise RequestRefused(
            ErrorCode.BAD_ABSENCE, f"an absence ends ({last}) on or after it starts ({first})"
        )
    check_timezone(absence.zone)
    if len(absence.note) > MAX_AWAY_NOTE:
        raise RequestRefused(ErrorCode.BAD_ABSENCE, f"a note is at most {MAX_AWAY_NOTE} characters")


def check_plan(plan: Plan, user_id: int) -> None:
    """Refuse a plan of another member, or with a bad day or hour."""
    if user_id <= 0 or plan.user_id != user_id:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a plan is the member's own")
    check_day(plan.day)
    check_hour(plan.hour)


def check_reminder(choice: ReminderChoice, user_id: int) -> None:
    """Refuse reminders outside 5-120 minutes, or a choice for another member."""
    if choice.user_id != user_id:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a reminder choice is the member's own")
    if not MIN_REMINDER <= choice.minutes <= MAX_REMINDER:
        raise RequestRefused(
            ErrorCode.BAD_MINUTES,
            f"a reminder comes {MIN_REMINDER} to {MAX_REMINDER} minutes before the hour,"
            f" not {choice.minutes}",
        )


def check_nudge(choice: NudgeChoice, user_id: int) -> None:
    """Refuse quiet hours outside 0-23, or a choice for another member."""
    if choice.user_id != user_id:
        raise RequestRefused(ErrorCode.BAD_REQUEST, "a nudge choice is the member's own")
    check_hour(choice.quiet_start)
    check_hour(choice.quiet_end)


def check_regulars(request: GetRegulars) -> None:
    """Refuse a look-back that is not a few weeks, or asks for more weeks than it looks at."""
    if not 1 <= request.weeks <= MAX_REGULAR_WEEKS:
        raise RequestRefused(
            ErrorCode.BAD_PERIOD, f"regulars look back 1 to {MAX_REGULAR_WEEKS} weeks"
        )
    if not 1 <= request.min_weeks <= request.weeks or not 0 <= request.partners <= MAX_PARTNERS:
        raise RequestRefused(
            ErrorCode.BAD_REQUEST,
            f"min_weeks is 1 to weeks, partners 0 to {MAX_PARTNERS}",
        )


def check_delivery(delivery: Delivery) -> None:
    """Refuse a delivery with a bad date or hour."""
    check_day(delivery.date)
    if delivery.hour != -1:
        check_hour(delivery.hour)


def check_mark(mark: MarkFacts) -> None:
    """Refuse a mark with a bad hour or source."""
    check_hour(mark.hour)
    if mark.source not in MARK_SOURCES:
        raise RequestRefused(ErrorCode.BAD_SOURCE, f"a mark comes from {sorted(MARK_SOURCES)}")


def check_backup_path(path: str, live: Path) -> Path:
    """An absolute path to a new file in an existing folder, other than the database."""
    target = Path(path)
    if not target.is_absolute():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{path!r}: give an absolute path")
    if not target.parent.is_dir():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{target.parent} is not a folder")
    if target.exists():
        raise RequestRefused(ErrorCode.BAD_PATH, f"{target} already exists; choose a new file")
    if target.resolve() == live.resolve():
        raise RequestRefused(ErrorCode.BAD_PATH, "that is the live database itself")
    return target
