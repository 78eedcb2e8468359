"""What members take away: CSV of voice sessions and marks, and an iCalendar feed of their
hours (RFC 5545, written by the ``icalendar`` library).

Every CSV is written through ``SafeCsv``: a text cell that a spreadsheet would read as a
formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as
OWASP's "CSV Injection" lists them) gets a leading apostrophe, which spreadsheets show as
text and do not run. Numbers are written as numbers, never as text, so a negative number
(minutes of a stay across a clock step) stays a number: only text, which can come from
members (their display names), is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from aiohttp import web

from bus.protocol import Absence, DatedMark, GuildConfig, MemberSchedule, VoiceSessionFacts
from services.runtime.playtime import away_at, usual_hours, window_of
from services.web.names import Names

HOUR = 3600.0
FEED_DAYS = 14
"""Usual hours are listed for the coming two weeks; the feed is fetched again long before."""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

type Cell = str | int | float | bool


def inert(cell: Cell) -> Cell:
    """``cell``, with text that a spreadsheet would run as a formula made plain text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeCsv:
    """A CSV table whose every text cell is ``inert``."""

    def __init__(self, header: Sequence[str]) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out)
        self.row(header)

    def row(self, cells: Iterable[Cell]) -> None:
        self._writer.writerow([inert(cell) for cell in cells])

    def text(self) -> str:
        return self._out.getvalue()


def download(text: str, filename: str) -> web.Response:
    """A CSV answer that browsers save as ``filename``."""
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds else ""


def sessions_csv(sessions: Iterable[VoiceSessionFacts], names: Names) -> str:
    """One row per stay in voice, each id with its name beside it (empty for a member or a
    channel the guild no longer has); times in UTC (ISO 8601), open stays without an end."""
    table = SafeCsv(
        ["user_id", "member", "channel_id", "channel", "start_utc", "end_utc", "minutes"]
    )
    for s in sessions:
        minutes = round((s.end - s.start) / 60, 1) if s.end else ""
        table.row(
            [
                s.user_id,
                names.member(s.user_id),
                s.channel_id,
                names.channel_name(s.channel_id),
                _iso(s.start),
                _iso(s.end),
                minutes,
            ]
        )
    return table.text()


def marks_csv(marks: Iterable[DatedMark]) -> str:
    table = SafeCsv(["date", "hour", "source", "taken_back", "changed_utc"])
    for dated in marks:
        mark = dated.mark
        table.row([dated.date, mark.hour, mark.source, mark.cancelled, _iso(mark.at)])
    return table.text()


def runs(starts: Iterable[float]) -> list[tuple[float, float]]:
    """Hour starts joined into ``[start, end)`` runs of consecutive hours."""
    found: list[tuple[float, float]] = []
    for start in sorted(set(starts)):
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], start + HOUR)
        else:
            found.append((start, start + HOUR))
    return found


def usual_starts(
    schedule: MemberSchedule | None,
    config: GuildConfig,
    first: date,
    days: int,
    absences: Sequence[Absence] = (),
) -> list[float]:
    """The first instants of the window hours the member's usual hours hold, day by day,
    less those on days of the member's ``absences`` (``playtime.away_at``: the daily
    message gives no 📅 then, so a calendar should not say they play)."""
    if schedule is None:
        return []
    found = []
    for n in range(days):
        day = first + timedelta(days=n)
        window = window_of(day, config)
        held = usual_hours(schedule, day, window)
        found += [
            hour.start for hour in window if hour.hour in held and not away_at(absences, hour.start)
        ]
    return found


def feed_ics(
    *,
    guild_id: int,
    user_id: int,
    guild_name: str,
    today: Sequence[float],
    usual: Sequence[float],
    stamp: float,
) -> bytes:
    """A calendar of today's hours (what the board says) and the usual hours ahead."""
    # Imported on the first feed asked for: a few MB the idle dashboard need not hold (the
    # fleet's idle memory has a Raspberry Pi's budget).
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//squadtime//dashboard//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"squadtime: {guild_name}")
    today_runs = runs(today)
    covered = {start for start, end in today_runs for start in _hours(start, end)}
    usual_runs = runs(s for s in usual if s not in covered)
    for title, found in (("Playing", today_runs), ("Usual hours", usual_runs)):
        for start, end in found:
            event = Event()
            event.add("uid", f"{guild_id}-{user_id}-{int(start)}@squadtime")
            event.add("summary", f"{title} ({guild_name})")
            event.add("dtstart", datetime.fromtimestamp(start, UTC))
            event.add("dtend", datetime.fromtimestamp(end, UTC))
            event.add("dtstamp", datetime.fromtimestamp(stamp, UTC))
            calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def _hours(start: float, end: float) -> list[float]:
    return [start + n * HOUR for n in range(round((end - start) / HOUR))]
