"""The dashboard's questions to telemetry (graphs, members at a glance, a member's own data,
its sessions), and their replies."""

from __future__ import annotations

from typing import Literal

import msgspec

from bus.protocol.common import Fact, Instant, ReplyMessage, RequestMessage
from bus.protocol.telemetry import MarkFacts, PrivacyReply

type GraphName = str
"""A graph of ``/stats`` by its name: one of the values of telemetry's ``GraphKind``, whose
table (``analytics.charts.GRAPHS``) is the one place a graph is listed; others learn the list
with ``GetGraphKinds``. Telemetry checks the name and refuses any other with
``bad_request``, as it does a name typed in ``/stats``."""

type GraphFormat = Literal["png", "svg"]
"""How a graph is drawn: PNG for Discord and files, SVG for the dashboard (it scales to the
screen and carries each drawn value as a hover title)."""

ALL_HISTORY = 0
"""A graph's ``days`` that means everything recorded, not the last so many days."""


class GetDataVersion(RequestMessage, frozen=True, tag="get_data_version"):
    """A stamp that changes whenever a guild's graphs could (a session opened, closed or
    deleted, an opt-out); answered with DataVersionReply. The dashboard keys its PNG cache
    on it."""

    guild_id: int


class DataVersionReply(ReplyMessage, frozen=True, tag="data_version"):
    """The stamp: equal stamps mean the same data."""

    guild_id: int
    version: str = ""


class GraphInfo(Fact, frozen=True):
    """One graph telemetry draws, as a reader offers it: the name ``GetGraph`` takes, its
    title, its default period (``ALL_HISTORY`` for everything), and whether it is drawn for
    one member, who must then be named."""

    name: GraphName
    title: str
    default_days: int
    one_member: bool = False


class GetGraphKinds(RequestMessage, frozen=True, tag="get_graph_kinds"):
    """Which graphs telemetry draws, in the order they are offered; answered with
    GraphKindsReply. The list changes only with telemetry's code, so a reader may keep it:
    the dashboard learns it from telemetry rather than spell the graphs again."""


class GraphKindsReply(ReplyMessage, frozen=True, tag="graph_kinds"):
    graphs: list[GraphInfo] = msgspec.field(default_factory=list)


class GetGraph(RequestMessage, frozen=True, tag="get_graph"):
    """One graph of a guild as a PNG or an SVG, drawn by telemetry's graph worker; opted-out
    members' history is left out. ``member`` is for ``week`` only. Answered with GraphReply;
    refused with ``bad_period``, ``bad_request`` (no such graph, or a ``week``
    without a member) or ``no_data`` (no voice activity recorded yet)."""

    guild_id: int
    graph: GraphName = "voice-time"
    days: int = 28
    """The last so many local days, or ``ALL_HISTORY``; ``GraphKind.default_days`` has each
    graph's own default."""
    member: int = 0
    format: GraphFormat = "png"
    """Added after the message first shipped: a telemetry older than it draws a PNG whatever
    is asked, and says so by filling ``png`` (see GraphReply)."""


class GraphReply(ReplyMessage, frozen=True, tag="graph"):
    """The graph, and the data version it was drawn from: exactly one of ``png`` and ``svg``
    holds it, the one drawn. ``svg`` came later than ``png``: a reply from a telemetry that
    does not know it holds a PNG even when an SVG was asked, and a reader serves what it got
    under that format's type rather than fail."""

    png: bytes = b""
    version: str = ""
    svg: bytes = b""


class MemberGlance(Fact, frozen=True):
    """One member in the moderators' table. ``marked_hours``: past hours of the last four
    weeks they said they would play (a reaction, or their usual hours from when they saved
    them); ``kept_hours``: how many of those they then spent in voice. ``last_seen`` 0:
    never in voice. "This week" and "the last 4 weeks" are the last 7 and 28 days."""

    user_id: int
    last_seen: Instant = 0.0
    hours_week: float = 0.0
    hours_4_weeks: float = 0.0
    marked_hours: int = 0
    kept_hours: int = 0


class GetMembersGlance(RequestMessage, frozen=True, tag="get_members_glance"):
    """The members table of a guild (opted-out members left out); answered with
    MembersGlanceReply."""

    guild_id: int


class HourThere(Fact, frozen=True):
    """A past hour some members said they would play, and who of them was there (in voice
    for at least a quarter of it)."""

    start: Instant
    there: list[int] = msgspec.field(default_factory=list)


class MembersGlanceReply(ReplyMessage, frozen=True, tag="members_glance"):
    """One row per member with a voice history or marks. Reliability is the server's
    choice (``/config reliability``): with it off (``reliability`` False) the rows'
    ``marked_hours`` and ``kept_hours`` are 0 and ``there`` is empty; with it on, ``there``
    holds the past hours of the last 7 days, oldest first."""

    guild_id: int
    members: list[MemberGlance] = msgspec.field(default_factory=list)
    opted_out: list[int] = msgspec.field(default_factory=list)
    reliability: bool = False
    there: list[HourThere] = msgspec.field(default_factory=list)


class WeekHours(Fact, frozen=True):
    """Hours in voice in the 7 local days from ``first_day`` (an ISO date): the dashboard's
    weeks are the last 7 days and the 7-day blocks before them, not calendar weeks.
    ``monday`` holds the same date, for readers from when weeks began on Mondays."""

    monday: str
    hours: float = 0.0
    first_day: str = ""


class CoPlayer(Fact, frozen=True):
    """Someone a member shared voice with, and for how long (hours)."""

    user_id: int
    hours: float = 0.0


class GetMyMonth(RequestMessage, frozen=True, tag="get_my_month"):
    """A member's last four weeks: hours per week and who they played with most; answered
    with MyMonthReply."""

    guild_id: int
    user_id: int


class MyMonthReply(ReplyMessage, frozen=True, tag="my_month"):
    """Empty for a member who opted out (``opted_out`` says so)."""

    guild_id: int
    user_id: int
    opted_out: bool = False
    weeks: list[WeekHours] = msgspec.field(default_factory=list)
    co_players: list[CoPlayer] = msgspec.field(default_factory=list)
    hours_week: float = 0.0  # the same figures as the members table's
    hours_4_weeks: float = 0.0
    marked_hours: int = 0  # the member's own reliability, as MemberGlance counts it
    kept_hours: int = 0


class GetPrivacy(RequestMessage, frozen=True, tag="get_privacy"):
    """A user's privacy choice; answered with PrivacyReply."""

    user_id: int


class DatedMark(Fact, frozen=True):
    """A mark and the community day it is on."""

    date: str
    mark: MarkFacts


class GetMemberMarks(RequestMessage, frozen=True, tag="get_member_marks"):
    """One member's marks over ``days`` community days from ``first_day``; answered with
    MemberMarksReply (``bad_date``, ``bad_period``)."""

    guild_id: int
    user_id: int
    first_day: str
    days: int = 1


class MemberMarksReply(ReplyMessage, frozen=True, tag="member_marks"):
    """Oldest first."""

    marks: list[DatedMark] = msgspec.field(default_factory=list)


class GetFeed(RequestMessage, frozen=True, tag="get_feed"):
    """A member's calendar feed secret, made on first ask; ``renew`` replaces it (the old
    address stops working). Answered with FeedReply."""

    guild_id: int
    user_id: int
    renew: bool = False


class FindFeed(RequestMessage, frozen=True, tag="find_feed"):
    """Whose calendar feed ``secret`` opens; answered with FeedReply (ids 0: nobody's)."""

    secret: str


class FeedReply(ReplyMessage, frozen=True, tag="feed"):
    """A feed's owner and secret."""

    guild_id: int = 0
    user_id: int = 0
    secret: str = ""


class OpenWebSession(RequestMessage, frozen=True, tag="open_web_session"):
    """A member logged in to the dashboard: keep their session until ``expires``, with the
    guilds Discord listed for them (kept here, not in their cookie, which a member of 200
    servers would overflow). ``token`` is a hash of the cookie's secret, never the secret.
    Sessions that expired before ``opened`` are dropped. Answered with WebSessionReply."""

    token: str
    user_id: int
    guild_ids: list[int] = msgspec.field(default_factory=list)
    opened: Instant = 0.0
    expires: Instant = 0.0


class FindWebSession(RequestMessage, frozen=True, tag="find_web_session"):
    """Whose open dashboard session ``token`` is; answered with WebSessionReply (user 0:
    nobody's: never opened, logged out, or ended everywhere). The dashboard asks on every
    page, so that a logout ends a copied cookie too."""

    token: str


class EndWebSessions(RequestMessage, frozen=True, tag="end_web_sessions"):
    """Log out: end the session ``token``, or with ``everywhere`` every session of its
    member (every browser). Answered with WebSessionReply (``ended``: how many)."""

    token: str
    everywhere: bool = False


class WebSessionReply(ReplyMessage, frozen=True, tag="web_session"):
    """A session's member and the guilds Discord listed at login; ``ended`` for a logout."""

    user_id: int = 0
    guild_ids: list[int] = msgspec.field(default_factory=list)
    ended: int = 0


DashboardTelemetryRequest = (
    GetDataVersion
    | GetGraphKinds
    | GetGraph
    | GetMembersGlance
    | GetMyMonth
    | GetPrivacy
    | GetMemberMarks
    | GetFeed
    | FindFeed
    | OpenWebSession
    | FindWebSession
    | EndWebSessions
)
DashboardTelemetryReply = (
    DataVersionReply
    | GraphKindsReply
    | GraphReply
    | MembersGlanceReply
    | MyMonthReply
    | MemberMarksReply
    | FeedReply
    | PrivacyReply
    | WebSessionReply
)
