"""``/away set from until [note]``, ``/away show``, ``/away cancel [from]``: days on which a
member's usual hours do not count (see ``services.runtime.playtime``, "Away").

Dates are the member's own: in their timezone when they set one, else the community's, and
the absence keeps the zone it was said in. Autocomplete offers dates as they read there
("Sat 14 Mar 2026 · in 4 days"), and the member's own absences for ``cancel``. Whatever the
client sends is checked again, because a client can send anything: a date like 2026-03-14,
not before the member's today, not ending before it starts, ending at most
``MAX_AWAY_DAYS`` ahead, a note of at most ``MAX_AWAY_NOTE`` characters, not overlapping
another absence. A refusal is private, says why, and changes nothing.

Exactly once: an absence carries the instant of the interaction that said it, so the same
interaction relayed twice writes the same row twice, and a late copy of it never undoes the
cancel that came after it (telemetry keeps the newer, see ``services.telemetry.absences``).
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta

from bus.protocol import (
    Absence,
    AbsencesReply,
    CancelAbsence,
    Choice,
    CommandSpec,
    GetAbsences,
    Interaction,
    InteractionResponse,
    OptionSpec,
    SetAbsence,
)
from services.runtime.playtime import AWAY_MARK, MAX_AWAY_DAYS, MAX_AWAY_NOTE, community_date, zone
from services.scheduler.answers import Context, Refusal, echoed, private, text_option
from services.scheduler.commands.schedule import member_clock
from services.scheduler.daily import GuildDay
from services.scheduler.names import inert
from services.scheduler.slash import Slash, sub

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
EXAMPLE = "2026-07-14"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day_text(day: date) -> str:
    """How a date reads in answers: ``Sat 14 Mar 2026``."""
    return f"{day:%a %d %b %Y}"


def span_text(absence: Absence) -> str:
    """``Sat 14 Mar 2026 to Sun 15 Mar 2026 · note``."""
    first, last = date.fromisoformat(absence.first), date.fromisoformat(absence.last)
    text = day_text(first) if first == last else f"{day_text(first)} to {day_text(last)}"
    return f"{text} · {absence.note}" if absence.note else text


def parse_date(raw: str, name: str) -> date:
    """A ``YYYY-MM-DD`` date typed or picked in option ``name``, or a refusal."""
    text = raw.strip()
    refusal = Refusal(
        f"`{name}` must be a date like {EXAMPLE} (pick one of the suggestions), not {echoed(raw)}."
    )
    # Only the plain form: fromisoformat also reads 20260314 and 2026-W11-6.
    if not _DATE.fullmatch(text):
        raise refusal
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise refusal from None


def suggestions(typed: str, first: date, today: date, ahead: int = MAX_AWAY_DAYS) -> list[Choice]:
    """Dates from ``first`` to ``ahead`` days after ``today`` (a year by default) that match
    what the member typed (every word of it, in the date's name or its ``YYYY-MM-DD``),
    soonest first."""
    last = today + timedelta(days=ahead)
    words = typed.casefold().split()
    found: list[Choice] = []
    day = first
    while day <= last and len(found) < MAX_CHOICES:
        name = f"{day_text(day)} · {_from_today(day, today)}"
        label = f"{name} {day.isoformat()}".casefold()
        if all(word in label for word in words):
            found.append(Choice(name=name, value=day.isoformat()))
        day += timedelta(days=1)
    return found


def _from_today(day: date, today: date) -> str:
    gap = (day - today).days
    return {0: "today", 1: "tomorrow"}.get(gap, f"in {gap} days")


async def _zone(context: Context, guild: GuildDay, user_id: int) -> str:
    """The zone a member's dates are in: theirs, else the community's."""
    return await member_clock(context, user_id) or guild.config.timezone


def _today(context: Context, zone_name: str) -> date:
    return community_date(context.clock.now(), zone(zone_name))


def standing(context: Context, guild: GuildDay, user_id: int) -> list[Absence]:
    """The member's absences that have not ended, soonest first."""
    now = context.clock.now()
    return sorted(
        (
            a
            for a in guild.absences.get(user_id, [])
            if a.last >= community_date(now, zone(a.zone)).isoformat()
        ),
        key=lambda a: a.first,
    )


async def _refresh(context: Context, guild: GuildDay, user_id: int, today: date) -> None:
    """Read the member's absences back from the record, and let the message follow."""
    since = (today - timedelta(days=2)).isoformat()
    request = GetAbsences(guild_id=guild.guild_id, user_ids=[user_id], since=since)
    found = await context.days.ask("telemetry", request, AbsencesReply)
    context.days.set_absences(guild.guild_id, user_id, found.absences)


async def command(context: Context, interaction: Interaction) -> InteractionResponse:
    """Answer ``/away set|show|cancel``."""
    guild = await context.days.load(interaction.guild_id)
    match interaction.command.partition(" ")[2]:
        case "set":
            return await _set(context, interaction, guild)
        case "show":
            return await _show(context, guild, interaction.member.user_id)
        case "cancel":
            return await _cancel(context, interaction, guild)
        case other:
            raise Refusal(f"Unknown /away action {echoed(other)}.")


def _checked(interaction: Interaction, today: date) -> tuple[date, date, str]:
    """The first and last day and the note of ``/away set``, or the reason they are wrong."""
    options = interaction.options
    first = parse_date(text_option(options, "from"), "from")
    last = parse_date(text_option(options, "until"), "until")
    note = text_option(options, "note", required=False)
    if first < today:
        raise Refusal(
            f"{day_text(first)} is in the past: an absence starts today ({day_text(today)},"
            " your time) or later."
        )
    if last < first:
        raise Refusal(
            f"Your absence would end ({day_text(last)}) before it starts ({day_text(first)})."
        )
    latest = today + timedelta(days=MAX_AWAY_DAYS)
    if last > latest:
        raise Refusal(
            f"{day_text(last)} is more than a year ahead: an absence ends by {day_text(latest)}."
        )
    if len(note) > MAX_AWAY_NOTE:
        raise Refusal(f"`note` holds at most {MAX_AWAY_NOTE} characters; yours has {len(note):,}.")
    return first, last, note


async def _set(context: Context, interaction: Interaction, guild: GuildDay) -> InteractionResponse:
    user = interaction.member.user_id
    zone_name = await _zone(context, guild, user)
    today = _today(context, zone_name)
    first, last, note = _checked(interaction, today)
    absence = Absence(
        user_id=user,
        first=first.isoformat(),
        last=last.isoformat(),
        zone=zone_name,
        note=note,
        at=interaction.at or context.clock.now(),
    )
    async with context.member_lock(guild.guild_id, user):
        for other in standing(context, guild, user):
            if other.first != absence.first and (
                other.first <= absence.last and absence.first <= other.last
            ):
                raise Refusal(_overlap(other))
        request = SetAbsence(guild_id=guild.guild_id, absence=absence)
        stored = await context.days.ask("telemetry", request, AbsencesReply)
        await _refresh(context, guild, user, today)
    kept = next((a for a in stored.absences if a.first == absence.first), None)
    if kept is None:
        raise Refusal("That absence was taken back meanwhile: /away show says what stands.")
    return private(
        f"{AWAY_MARK} You are away {inert(span_text(kept))} (your time, {zone_name})."
        " Your usual hours on those days do not count: no 📅 on the daily message,"
        " no reminder, no nudge. Reactions still count. It ends by itself;"
        " /away cancel takes it back sooner."
    )


def _overlap(other: Absence) -> str:
    return (
        f"You are already away {inert(span_text(other))}:"
        " /away cancel it first, or choose other days."
    )


async def _show(context: Context, guild: GuildDay, user_id: int) -> InteractionResponse:
    found = standing(context, guild, user_id)
    if not found:
        return private(f"You are not away. /away set from:{EXAMPLE} until:… says when you will be.")
    lines = [f"{AWAY_MARK} You are away (your usual hours do not count):"]
    lines += [f"• {inert(span_text(a))}" for a in found]
    lines.append("/away cancel takes one back.")
    return private("\n".join(lines))


async def _cancel(
    context: Context, interaction: Interaction, guild: GuildDay
) -> InteractionResponse:
    user = interaction.member.user_id
    raw = text_option(interaction.options, "from", required=False)
    async with context.member_lock(guild.guild_id, user):
        found = standing(context, guild, user)
        if raw:
            day = parse_date(raw, "from").isoformat()
            found = [a for a in found if a.first == day]
            if not found:
                raise Refusal(
                    f"You have no absence starting {day_text(date.fromisoformat(day))}:"
                    " /away show lists yours."
                )
        if not found:
            raise Refusal("You are not away: nothing to cancel.")
        absence = found[0]
        request = CancelAbsence(
            guild_id=guild.guild_id,
            user_id=user,
            first=absence.first,
            at=interaction.at or context.clock.now(),
        )
        taken = await context.days.ask("telemetry", request, AbsencesReply)
        await _refresh(context, guild, user, _today(context, absence.zone))
    if not taken.absences:
        raise Refusal("That absence was already taken back.")
    return private(
        f"Cancelled your absence {inert(span_text(absence))}: your usual hours count again."
    )


async def autocomplete(context: Context, interaction: Interaction) -> InteractionResponse:
    """Dates in the member's own time for ``from`` and ``until``; for ``/away cancel``,
    the member's own absences."""
    guild = await context.days.load(interaction.guild_id)
    user = interaction.member.user_id
    typed = interaction.options.get(interaction.focused, "")
    if interaction.command == "away cancel":
        words = typed.casefold().split()
        choices = [
            Choice(name=span_text(a)[:100], value=a.first)
            for a in standing(context, guild, user)
            if all(word in span_text(a).casefold() for word in words)
        ]
        return InteractionResponse(kind="autocomplete", choices=choices[:MAX_CHOICES])
    today = _today(context, await _zone(context, guild, user))
    first = today
    if interaction.focused == "until":
        with contextlib.suppress(Refusal):  # no start picked yet: offer from today
            first = max(today, parse_date(interaction.options.get("from", ""), "from"))
    return InteractionResponse(kind="autocomplete", choices=suggestions(typed, first, today))


AWAY = CommandSpec(
    name="away",
    description="Days your usual hours do not count",
    ephemeral=True,
    subcommands=[
        sub(
            "set",
            "Say you are away from one day to another (your time)",
            OptionSpec(
                name="from",
                description="Your first day away, e.g. 2026-07-14",
                required=True,
                autocomplete=True,
            ),
            OptionSpec(
                name="until",
                description="Your last day away (included)",
                required=True,
                autocomplete=True,
            ),
            OptionSpec(name="note", description=f"A word on why, up to {MAX_AWAY_NOTE} characters"),
        ),
        sub("show", "Show when you are away"),
        sub(
            "cancel",
            "Take an absence back",
            OptionSpec(
                name="from",
                description="Its first day (default: your current or next one)",
                autocomplete=True,
            ),
        ),
    ],
)

COMMAND = Slash(spec=AWAY, run=command, complete=autocomplete)
