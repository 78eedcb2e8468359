"""A simulated gaming community: members who mark the hours they will play and meet in voice.

The plan for a day is a pure function of the seed, the roster and the date, so the same seed
always produces the same actions; playing them goes through the driver, paced by a clock
(:class:`~emulator.simulator.simclock.SimClock` in tests, the fleet's scaled calendar in the demo).

How it plays, as a community does:

- **Friend groups** of 2-5 meet in one voice channel around the hours they like.
- **A weekly rhythm**: more play on Friday and Saturday than early in the week.
- **Usual hours**: some members have a weekly schedule (``Persona.usual``); on those days
  they do not click, the schedule speaks for them, and they still show up in voice.
- **Drifting away**: a few members (``Persona.drifts``) play less every week from
  ``CommunitySpec.drift_from`` on.
- **A showcase evening** (``CommunitySpec.showcase``, the demo's today): whatever the weekday
  and the seed, a crew clicks one evening hour and meets in voice, its first member alone an
  hour early; a member who met them on that weekday for the four weeks before stays silent
  (see :func:`showcase`). Everyone else plays as on any day, away from the crew's channel and
  out of the way of its greeting.
- Every action happens on a whole simulated minute.

Hour marks are reactions on the bot's message of the day, read as a member reads it: each
hour line starts with its reaction and the hour (``🇦 <t:UNIX:t>``), unless a resolver says
otherwise. A message whose first hour is not on the day being played is not that day's.
"""

import logging
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from emulator.rules.permissions import Permission
from emulator.rules.state import Channel, Guild, Member, Role
from emulator.simulator.driver import Driver, Refused
from emulator.simulator.seen import SeenMessage

log = logging.getLogger(__name__)

FIRST_NAMES = (
    "ash", "blaze", "cleo", "dax", "echo", "fern", "gus", "hana", "ivo", "jun", "kai", "lux",
    "milo", "nova", "ori", "pax", "quin", "rio", "sol", "tao", "uma", "vex", "wren", "yuki",
)  # fmt: skip

type HourResolver = Callable[[SeenMessage], Mapping[int, str]]

WEEKLY_RHYTHM = (0.75, 0.8, 0.9, 0.95, 1.2, 1.35, 1.05)
"""How much more (or less) than usual members play, Monday to Sunday."""
DRIFT_PER_WEEK = 0.5
"""A drifting member's activity is multiplied by this for every week after ``drift_from``."""
CREW = 4
"""Members who meet at the showcase hour: a call's group size that a small community reaches."""
HABIT_WEEKS = 4
"""Weeks before the showcase on which its crew and its silent member meet on that weekday:
the span in which the bot's nudges look for regulars (seen in 2 of the last 4 weeks)."""
_HOUR_LINE = re.compile(r"^(\S+) <t:(\d+):t>", re.MULTILINE)


class Pacer(Protocol):
    """What the community plays on: the time, and a wait until a later time."""

    def now(self) -> datetime: ...

    async def sleep_until(self, moment: datetime) -> None: ...


class Kind(StrEnum):
    MARK = "mark"
    UNMARK = "unmark"
    JOIN = "join"
    MOVE = "move"
    LEAVE = "leave"
    MUTE = "mute"


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a member does at a simulated instant."""

    at: datetime
    kind: Kind
    member: str
    target: str = ""
    """Hour (``"20"``) for marks, channel name for voice."""


@dataclass(frozen=True, slots=True)
class CommunitySpec:
    """The shape of the community; ``seed`` decides everything random about it."""

    members: int = 24
    seed: int = 0
    timezone: str = "Europe/Paris"
    text_channel: str = "daily"
    voice_channels: tuple[str, ...] = ("Lobby", "Ranked", "Chill")
    ranks: tuple[str, ...] = ("Diamond", "Gold", "Silver")
    window_start_hour: int = 14
    window_hours: int = 10
    post_hour: int = 12
    group_size: tuple[int, int] = (2, 5)
    drift_from: date | None = None
    """From this day on, drifting members play less every week (never, when None)."""
    showcase: date | None = None
    """The day whose evening shows everything the bot does (none, when None): see
    :func:`showcase`."""


@dataclass(frozen=True, slots=True)
class Persona:
    """How one member plays: favourite hour, how often, with whom."""

    name: str
    favourite_hour: int
    activity: float
    group: int
    usual: tuple[tuple[int, int], ...] = ()
    """Usual hours, as (weekday, local hour): what the member saves with /schedule."""
    drifts: bool = False


@dataclass(slots=True)
class Roster:
    """The community as built in the emulator."""

    guild: Guild
    text: Channel
    voice: dict[str, Channel]
    ranks: dict[str, Role]
    admin: Member
    members: dict[str, Member] = field(default_factory=dict)
    personas: dict[str, Persona] = field(default_factory=dict)


def _name(index: int) -> str:
    base = FIRST_NAMES[index % len(FIRST_NAMES)]
    lap = index // len(FIRST_NAMES)
    return f"{base}{lap}" if lap else base


def personas(spec: CommunitySpec) -> list[Persona]:
    """The members' habits, derived from the seed only."""
    rng = random.Random(f"{spec.seed}:personas")
    names = [
        FIRST_NAMES[i % len(FIRST_NAMES)]
        + (str(i // len(FIRST_NAMES)) if i >= len(FIRST_NAMES) else "")
        for i in range(spec.members)
    ]
    low, high = spec.group_size
    people: list[Persona] = []
    group = 0
    index = 0
    while index < len(names):
        size = rng.randint(low, high)
        for name in names[index : index + size]:
            favourite = min(
                spec.window_start_hour + spec.window_hours - 1,
                max(spec.window_start_hour, round(rng.gauss(20.5, 1.5))),
            )
            activity = round(rng.uniform(0.2, 0.9), 2)
            usual: tuple[tuple[int, int], ...] = ()
            if rng.random() < 0.3:
                days = sorted(rng.sample(range(7), rng.randint(2, 3)))
                end = spec.window_start_hour + spec.window_hours
                usual = tuple((d, h) for d in days for h in (favourite, favourite + 1) if h < end)
            drifts = rng.random() < 0.15
            people.append(Persona(name, favourite, activity, group, usual, drifts))
        index += size
        group += 1
    return people


@dataclass(frozen=True, slots=True)
class Showcase:
    """Who does what on the showcase evening, so that each thing the bot does for hours
    happens once in view, whatever the weekday:

    - the ``crew`` clicks ``hour`` (the first of them the hour before too) soon after the
      post, enough of them for an "enough players" call of ``len(crew)`` and its event;
    - the ``greeted`` member (the crew's first) joins ``channel`` alone at the hour before,
      with the rest of the crew expected: the voice greeting;
    - the ``reminded`` member (the crew's second) is in from ``hour``: a reminder before it;
    - the ``nudged`` member, who met the crew in ``channel`` on that weekday in each of the
      ``HABIT_WEEKS`` weeks before and has no usual hours on it, does nothing: a regular who
      has not answered while their co-players are in, a nudge.
    """

    day: date
    hour: int
    channel: str
    crew: tuple[str, ...]
    nudged: str

    @property
    def greeted(self) -> str:
        return self.crew[0]

    @property
    def reminded(self) -> str:
        return self.crew[1]

    @property
    def cast(self) -> frozenset[str]:
        return frozenset((*self.crew, self.nudged))

    def habit_day(self, day: date) -> bool:
        """Whether ``day`` is one of the weeks before on which the cast meets."""
        weeks, rest = divmod((self.day - day).days, 7)
        return rest == 0 and 1 <= weeks <= HABIT_WEEKS


def showcase(spec: CommunitySpec) -> Showcase | None:
    """The showcase of ``spec.showcase``'s evening, or None (no day set, or a community too
    small: at least a silent member and two in the crew)."""
    if spec.showcase is None or not spec.voice_channels:
        return None
    people = personas(spec)
    weekday = spec.showcase.weekday()
    # Usual hours on the day would put the silent member in the message: nothing to nudge.
    free = [p for p in people if all(day != weekday for day, _ in p.usual)]
    if not free:
        return None
    nudged = random.Random(f"{spec.seed}:showcase").choice(free)
    # Their friend group first: the co-players a nudge names are the ones they play with most.
    mates = [p for p in people if p.group == nudged.group and p is not nudged]
    others = [p for p in people if p.group != nudged.group]
    crew = tuple(p.name for p in (mates + others)[:CREW])
    if len(crew) < 2:
        return None
    last = spec.window_start_hour + spec.window_hours - 1
    hour = max(spec.window_start_hour + 1, last - 2)
    return Showcase(spec.showcase, hour, spec.voice_channels[0], crew, nudged.name)


def _evening(spec: CommunitySpec, show: Showcase) -> list[Action]:
    """The showcase's own actions on its day (see :class:`Showcase`)."""
    zone = ZoneInfo(spec.timezone)
    post = datetime.combine(show.day, time(spec.post_hour), zone)
    first, last = spec.window_start_hour, spec.window_start_hour + spec.window_hours - 1

    def at(hour: int, minutes: int = 0) -> datetime:
        return datetime.combine(show.day, time(hour), zone) + timedelta(minutes=minutes)

    actions = []
    for index, name in enumerate(show.crew):
        clicked = post + timedelta(minutes=20 + 25 * index)
        hours = (show.hour - 1, show.hour) if index == 0 else (show.hour, show.hour + 1)
        for offset, hour in enumerate(h for h in hours if first <= h <= last):
            actions.append(Action(clicked + timedelta(minutes=offset), Kind.MARK, name, str(hour)))
    actions.append(Action(at(show.hour - 1), Kind.JOIN, show.greeted, show.channel))
    for index, name in enumerate(show.crew[1:]):
        actions.append(Action(at(show.hour, 2 * index), Kind.JOIN, name, show.channel))
    for index, name in enumerate(show.crew):
        actions.append(Action(at(show.hour + 2, 5 * index), Kind.LEAVE, name))
    return actions


def _habit(spec: CommunitySpec, show: Showcase, day: date) -> list[Action]:
    """The cast meeting in voice on one of the weeks before, early in the evening.

    Early, because the bot stamps a voice session when it hears of it: on a fast month's
    calendar a busy machine's delay is hours, and a meeting late in the evening could be
    recorded on the next day, which is not the weekday a nudge looks for.
    """
    hour = max(spec.window_start_hour, show.hour - 3)
    start = datetime.combine(day, time(hour), ZoneInfo(spec.timezone))
    actions = []
    for index, name in enumerate((show.nudged, *show.crew)):
        actions.append(Action(start + timedelta(minutes=3 * index), Kind.JOIN, name, show.channel))
        left = start + timedelta(minutes=100 + 4 * index)
        actions.append(Action(left, Kind.LEAVE, name))
    return actions


def plan_day(spec: CommunitySpec, day: date) -> list[Action]:
    """Everything the community does on ``day`` (local to its timezone), in time order."""
    rng = random.Random(f"{spec.seed}:{day.isoformat()}")
    people = personas(spec)
    show = showcase(spec)
    evening = show is not None and day == show.day
    scripted: frozenset[str] = frozenset()
    channels = spec.voice_channels
    if show is not None and (evening or show.habit_day(day)):
        scripted = show.cast
    if show is not None and evening:
        channels = tuple(c for c in spec.voice_channels if c != show.channel) or channels
    # The draws come in one order (marks, then each group's evening) so a seed plays one day.
    actions = _marks(spec, day, people, scripted, rng)
    for group in sorted({p.group for p in people}):
        crew = [p for p in people if p.group == group]
        if rng.random() > sum(_today(spec, p, day) for p in crew) / len(crew):
            continue
        start = _group_start(spec, day, crew, rng)
        if show is not None and evening:
            start = _after_greeting(spec, show, start)
        actions += _in_voice(spec, day, crew, scripted, channels, start, rng)
    if show is not None and evening:
        actions += _evening(spec, show)
    elif show is not None and show.habit_day(day):
        actions += _habit(spec, show, day)
    return sorted(actions, key=lambda a: (a.at, a.member, a.kind))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _today(spec: CommunitySpec, person: Persona, day: date) -> float:
    """How likely ``person`` is to play on ``day``, their rhythm applied."""
    return min(0.95, person.activity * _rhythm(spec, person, day))


def _marks(
    spec: CommunitySpec,
    day: date,
    people: list[Persona],
    scripted: frozenset[str],
    rng: random.Random,
) -> list[Action]:
    """The hours members click on the daily message, and the odd change of mind."""
    post = datetime.combine(day, time(spec.post_hour), ZoneInfo(spec.timezone))
    last_hour = spec.window_start_hour + spec.window_hours - 1
    actions: list[Action] = []
    for person in people:
        if rng.random() > _today(spec, person, day) or any(
            d == day.weekday() for d, _ in person.usual
        ):
            continue  # not playing today, or their usual hours speak for them
        if person.name in scripted:
            continue
        span = rng.choice((1, 2, 2, 3))
        first = max(spec.window_start_hour, min(person.favourite_hour, last_hour - span + 1))
        marked_at = _minute(post + timedelta(minutes=rng.uniform(5, 300)))
        for hour in range(first, first + span):
            actions.append(Action(marked_at, Kind.MARK, person.name, str(hour)))
            marked_at += timedelta(minutes=1)
        if rng.random() < 0.1:
            changed_mind = _minute(marked_at + timedelta(minutes=rng.uniform(10, 60)))
            actions.append(Action(changed_mind, Kind.UNMARK, person.name, str(first)))
    return actions


def _group_start(
    spec: CommunitySpec, day: date, crew: list[Persona], rng: random.Random
) -> datetime:
    """When a group gathers: around its members' favourite hour, give or take 20 minutes."""
    hour = round(sum(p.favourite_hour for p in crew) / len(crew))
    return datetime.combine(day, time(min(hour, 23)), ZoneInfo(spec.timezone)) + timedelta(
        minutes=rng.uniform(-20, 20)
    )


def _in_voice(
    spec: CommunitySpec,
    day: date,
    crew: list[Persona],
    scripted: frozenset[str],
    channels: tuple[str, ...],
    start: datetime,
    rng: random.Random,
) -> list[Action]:
    """A group's evening in voice: who joins, moves, mutes and leaves, and when."""
    channel = rng.choice(channels)
    length = timedelta(minutes=rng.uniform(45, 200))
    actions: list[Action] = []
    for person in crew:
        if rng.random() > 0.85 * min(1.0, _rhythm(spec, person, day)):
            continue
        if person.name in scripted:
            continue
        joined = _minute(start + timedelta(minutes=rng.uniform(0, 25)))
        left = _minute(joined + length * rng.uniform(0.5, 1.1)) + timedelta(minutes=2)
        actions.append(Action(joined, Kind.JOIN, person.name, channel))
        if rng.random() < 0.15:
            other = rng.choice([c for c in channels if c != channel] or [channel])
            moved = _minute(joined + (left - joined) / 2)
            actions.append(Action(moved, Kind.MOVE, person.name, other))
        if rng.random() < 0.1:
            actions.append(Action(joined + timedelta(minutes=1), Kind.MUTE, person.name))
        actions.append(Action(left, Kind.LEAVE, person.name))
    return actions


def _after_greeting(spec: CommunitySpec, show: Showcase, start: datetime) -> datetime:
    """A group's start on the showcase evening, moved out of the way of its greeting.

    The bot greets one member at a time in a guild: a group arriving alone in another channel
    shortly before the greeted member would take the bot (and its greeting would last a few
    real seconds: an hour of a fast calendar). Groups that would start in the hours before
    arrive half an hour after the crew instead.
    """
    zone = ZoneInfo(spec.timezone)
    crew_arrives = datetime.combine(show.day, time(show.hour), zone)
    if crew_arrives - timedelta(hours=4) <= start < crew_arrives + timedelta(minutes=30):
        return crew_arrives + timedelta(minutes=30)
    return start


@dataclass(frozen=True, slots=True)
class Stay:
    """A member's time in one voice channel, as the simulator played it."""

    member: str
    channel: str
    start: datetime
    end: datetime


def stays(played: Iterable[Action]) -> list[Stay]:
    """The voice stays that ``played`` actions (in time order) make; a move ends one and
    begins the next. Stays of no length are left out."""
    open_stays: dict[str, tuple[str, datetime]] = {}
    found: list[Stay] = []
    for action in played:
        if action.kind not in (Kind.JOIN, Kind.MOVE, Kind.LEAVE):
            continue
        if action.member in open_stays:
            channel, start = open_stays.pop(action.member)
            if action.at > start:
                found.append(Stay(action.member, channel, start, action.at))
        if action.kind is not Kind.LEAVE:
            open_stays[action.member] = (action.target, action.at)
    return found


def _rhythm(spec: CommunitySpec, person: Persona, day: date) -> float:
    """How much more than usual ``person`` plays on ``day``: the weekday, and drifting away."""
    factor = WEEKLY_RHYTHM[day.weekday()]
    if person.drifts and spec.drift_from is not None and day >= spec.drift_from:
        factor *= DRIFT_PER_WEEK ** (1 + (day - spec.drift_from).days // 7)
    return factor


def hours_as_shown(spec: CommunitySpec, day: date) -> HourResolver:
    """Read each hour's reaction off the message's lines (``🇦 <t:UNIX:t>``), as members do.

    Nothing when the message's first hour is not on ``day``: it is another day's message.
    """
    zone = ZoneInfo(spec.timezone)

    def resolve(message: SeenMessage) -> Mapping[int, str]:
        found = [
            (datetime.fromtimestamp(int(stamp), zone), emoji.removeprefix("<:").removesuffix(">"))
            for emoji, stamp in _HOUR_LINE.findall(message.content)
        ]
        if not found or found[0][0].date() != day:
            return {}
        return {moment.hour: emoji for moment, emoji in found}

    return resolve


def consecutive_hours(spec: CommunitySpec) -> HourResolver:
    """Read the bot's reactions as consecutive hours from the window's first hour."""

    def resolve(message: SeenMessage) -> Mapping[int, str]:
        return {spec.window_start_hour + i: r.emoji for i, r in enumerate(message.reactions)}

    return resolve


class Community:
    """Builds the community in an emulator and plays its days."""

    def __init__(
        self,
        driver: Driver,
        spec: CommunitySpec,
        clock: Pacer,
        *,
        hours: HourResolver | None = None,
    ) -> None:
        self.driver = driver
        self.spec = spec
        self.clock = clock
        self.hours = hours
        """How members read a message's hours; by default, as shown (``hours_as_shown``)."""
        self._playing: date | None = None
        self.played: list[Action] = []
        self.skipped: list[Action] = []
        self._roster: Roster | None = None

    @property
    def roster(self) -> Roster:
        if self._roster is None:
            self._roster = self.build()
        return self._roster

    def build(self) -> Roster:
        """Create the guild, its ranks, channels and members (once)."""
        if self._roster is not None:
            return self._roster
        spec = self.spec
        driver = self.driver
        guild = driver.add_guild("Squad", owner="admin")
        ranks = {name: driver.add_role(guild, name) for name in spec.ranks}
        roster = Roster(
            guild=guild,
            text=driver.add_text_channel(guild, spec.text_channel),
            voice={name: driver.add_voice_channel(guild, name) for name in spec.voice_channels},
            ranks=ranks,
            admin=driver.owner(guild),
        )
        driver.add_role(guild, "Admins", permissions=int(Permission.MANAGE_GUILD))
        rng = random.Random(f"{spec.seed}:roles")
        for persona in personas(spec):
            rank = rng.choice([*spec.ranks, None])
            roles = [ranks[rank]] if rank else []
            roster.members[persona.name] = driver.add_member(guild, persona.name, roles=roles)
            roster.personas[persona.name] = persona
        self._roster = roster
        return roster

    async def play_day(self, day: date) -> list[Action]:
        """Play ``day``'s plan up to its end; returns the actions carried out."""
        roster = self.roster
        done: list[Action] = []
        self._playing = day
        for action in plan_day(self.spec, day):
            await self.clock.sleep_until(action.at)
            if await self._perform(roster, action):
                done.append(action)
                self.played.append(action)
            else:
                self.skipped.append(action)
        for name, member in roster.members.items():
            # Nobody stays in voice past the day's end.
            if member.user_id in roster.guild.voice_states:
                left = Action(self.clock.now(), Kind.LEAVE, name)
                await self.driver.leave_voice(member)
                done.append(left)
                self.played.append(left)
        return done

    async def play(self, first_day: date, days: int) -> None:
        for offset in range(days):
            await self.play_day(first_day + timedelta(days=offset))

    async def perform(self, action: Action) -> bool:
        """Carry out one action now, whatever the clock says; whether it could be done.

        For callers that pace a plan themselves (the soak benchmark).
        """
        if await self._perform(self.roster, action):
            self.played.append(action)
            return True
        self.skipped.append(action)
        return False

    async def _perform(self, roster: Roster, action: Action) -> bool:
        member = roster.members[action.member]
        driver = self.driver
        voice_states = roster.guild.voice_states
        match action.kind:
            case Kind.MARK | Kind.UNMARK:
                found = self._daily(roster, action.at.astimezone(ZoneInfo(self.spec.timezone)))
                if found is None:
                    return False
                daily, hours = found
                emoji = hours.get(int(action.target))
                if emoji is None:
                    return False
                try:
                    if action.kind is Kind.MARK:
                        await driver.react(member, daily.id, emoji)
                    else:
                        await driver.unreact(member, daily.id, emoji)
                except Refused:
                    log.info("%s could not mark hour %s", action.member, action.target)
                    return False
            case Kind.JOIN | Kind.MOVE:
                await driver.join_voice(member, roster.voice[action.target])
            case Kind.LEAVE:
                if member.user_id not in voice_states:
                    return False
                await driver.leave_voice(member)
            case Kind.MUTE:
                if member.user_id not in voice_states:
                    return False
                await driver.set_voice(member, self_mute=True)
        return True

    def _daily(self, roster: Roster, now: datetime) -> tuple[SeenMessage, Mapping[int, str]] | None:
        """The bot's message of the day being played (or of ``now``'s day), and its hours."""
        bot = self.driver.core.bot_id
        day = self._playing or now.date()
        resolve = self.hours or hours_as_shown(self.spec, day)
        for message in reversed(self.driver.messages(roster.text, roster.admin)):
            if message.author_id != bot or message.ephemeral:
                continue
            hours = resolve(message)
            if hours:
                return message, hours
        return None
