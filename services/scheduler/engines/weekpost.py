"""The week-ahead post: once a week, the next 7 days in the daily channel, kept up to date
until they begin.

With ``/config week-post day time`` set, at that weekday and time of the community's zone
the bot posts the week that begins the next day (the 7 community days from tomorrow), as
``services.scheduler.commands.week`` writes it: players and maybes in each hour, hours in each
reader's time. As answers change (usual hours, absences, anything the counting reads) the
message is edited to match, until the week's first midnight; then it is left as it is. A
scheduler that was down at the post time posts when it is back, if the week has not begun.

Never twice, whatever crashes: each week's post is a delivery (``services.scheduler.once``)
of kind ``week``, keyed by the week's first day, claimed in telemetry before Discord is asked
and finished with the message's id. A claim that finds an unfinished one searches the
channel for the post's reference (its last line) before posting, as the calls do; a restart
finds a finished one's message in the record and edits that one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from bus.clock import Clock
from bus.errors import UNKNOWN_MESSAGE, BusError, RemoteError, log_level
from bus.protocol import EditMessage, GuildConfig, MessageSent
from services.runtime.playtime import local_midnight, zone
from services.scheduler import once
from services.scheduler.commands.week import post_text, week_of
from services.scheduler.daily import Days, GuildDay
from services.scheduler.roster import Roster
from services.scheduler.slots import community_date

log = logging.getLogger(__name__)

KIND: Final = "week"
WHOLE_DAY = -1  # a delivery's hour when it is for no hour in particular
IDLE = 3600.0  # calendar seconds between looks when no post is set or due
WEEK = timedelta(days=7)


def post_instant(day: date, config: GuildConfig) -> float:
    """When the week-ahead post of ``day`` is due (a time in a DST gap comes after it)."""
    hours, minutes = (int(part) for part in config.week_post_time.split(":"))
    return datetime.combine(day, time(hours, minutes), zone(config.timezone)).timestamp()


def last_post(at: float, config: GuildConfig) -> float | None:
    """The latest week-ahead post instant at or before ``at``; None when the post is off."""
    if config.week_post_day < 0:
        return None
    today = community_date(at, config)
    day = today - timedelta(days=(today.weekday() - config.week_post_day) % 7)
    instant = post_instant(day, config)
    return instant if instant <= at else post_instant(day - WEEK, config)


def next_post(at: float, config: GuildConfig) -> float | None:
    """The first week-ahead post instant after ``at``; None when the post is off."""
    if config.week_post_day < 0:
        return None
    today = community_date(at, config)
    day = today + timedelta(days=(config.week_post_day - today.weekday()) % 7)
    instant = post_instant(day, config)
    return instant if instant > at else post_instant(day + WEEK, config)


def week_after(posted_at: float, config: GuildConfig) -> tuple[list[date], float]:
    """The 7 community days a post made at ``posted_at`` shows, and when the first begins."""
    first = community_date(posted_at, config) + timedelta(days=1)
    return [first + timedelta(days=n) for n in range(7)], local_midnight(
        first, zone(config.timezone)
    )


@dataclass(slots=True)
class _Post:
    """One week's post, as Discord shows it ("" when not known); no message when there is
    none to keep (dropped, or deleted by someone)."""

    first: date
    channel_id: int
    message_id: int
    shown: str = ""


class WeekPosts:
    """Every guild's week-ahead post; see the module docstring."""

    def __init__(self, days: Days, roster: Roster, clock: Clock) -> None:
        self._days = days
        self._roster = roster
        self._clock = clock
        self._posts: dict[int, _Post] = {}  # guild -> its latest week's post

    async def tick(self, guild: GuildDay) -> tuple[float, bool]:
        """Post one guild's week ahead when due and keep it in step until its week begins;
        the calendar instant to look at it again, and whether a service failed (try again
        soon)."""
        now = self._clock.now()
        if guild.config.week_post_day < 0 or not guild.config.channel_id:
            return now + IDLE, False
        try:
            return await self._keep(guild, now), False
        except BusError as error:
            log.log(log_level(error), "guild %d: the week post waits: %s", guild.guild_id, error)
            return now + IDLE, True

    async def _keep(self, guild: GuildDay, now: float) -> float:
        """Post or edit the guild's post of the week to come; when to look again."""
        config = guild.config
        following = next_post(now, config) or now + IDLE
        posted_at = last_post(now, config)
        if posted_at is None:
            return following
        dates, begins = week_after(posted_at, config)
        if now >= begins:
            return following  # the week has begun: its post stays as it is
        post = self._posts.get(guild.guild_id)
        if post is None or post.first != dates[0]:
            post = await self._post(guild, dates, begins)
            self._posts[guild.guild_id] = post
        if post.message_id:
            await self._edit(post, self._text(guild, dates, begins))
        return min(following, begins)

    def _text(self, guild: GuildDay, dates: list[date], begins: float) -> str:
        week = week_of(self._days, self._roster, guild, guild.config.timezone, begins)
        ref = once.reference(guild.guild_id, dates[0], WHOLE_DAY, 0, KIND)
        tail = f"-# Kept up to date until the week begins · /config week-post · ref {ref}"
        return post_text(week, dates, tail)

    async def _post(self, guild: GuildDay, dates: list[date], begins: float) -> _Post:
        """The week's post: the one recorded, else one posted now, exactly once."""
        first = dates[0]
        key, claimed = await once.claim(self._days, guild.guild_id, first, WHOLE_DAY, 0, KIND)
        stored = claimed.delivery
        if stored.state == "sent":
            return _Post(first, stored.channel_id, stored.message_id)  # edited to match
        if stored.state == "dropped":
            return _Post(first, 0, 0)
        channel = guild.config.channel_id
        text = self._text(guild, dates, begins)
        ref = once.reference(guild.guild_id, first, WHOLE_DAY, 0, KIND)
        sent = await once.post_once(self._days, channel, ref, text, fresh=claimed.fresh)
        if sent is None:  # pragma: no cover - a channel is never a DM
            await once.finish(self._days, self._clock, key, "dropped")
            return _Post(first, 0, 0)
        await once.finish(self._days, self._clock, key, "sent", channel, sent)
        log.info("guild %d: posted the week from %s", guild.guild_id, first)
        return _Post(first, channel, sent, text)

    async def _edit(self, post: _Post, text: str) -> None:
        """Show ``text`` in the post, unless it does already."""
        if text == post.shown:
            return
        request = EditMessage(channel_id=post.channel_id, message_id=post.message_id, content=text)
        try:
            await self._days.ask("gateway", request, MessageSent)
        except RemoteError as error:
            if error.code != UNKNOWN_MESSAGE:
                raise
            log.info("the week post %d was deleted; it is not posted again", post.message_id)
            post.message_id = 0
            return
        post.shown = text
