"""``/stats <graph> [days] [member]``: a moderator's graph of the community, as a PNG.

Telemetry owns the command. The interaction is answered at once: privately with a refusal
or an options error, otherwise with a private "thinking..." placeholder. The graph is then
drawn in the graph worker, which also reads the guild's data, through a read-only
connection of its own (WAL lets it read while the service writes). So neither the event
loop nor the database thread ever waits on a year of sessions, and ingestion goes on while
a graph renders. The PNG fills the placeholder as a follow-up; a failure fills it with a
message saying so.

Graphs are private to the moderator who asked: they name members who play little, which
is not for the whole channel to read.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import logging
import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bus.client import BusClient
from bus.clock import Clock
from bus.errors import BusError
from bus.protocol import (
    ALL_HISTORY,
    Choice,
    CommandSpec,
    FileUpload,
    Interaction,
    InteractionAnswer,
    InteractionFollowUp,
    InteractionResponse,
    MemberFacts,
    MessageSent,
    OptionSpec,
)
from bus.tasks import TaskSet
from services.runtime.permissions import is_admin
from services.telemetry.analytics.charts import GraphKind
from services.telemetry.analytics.options import (
    MAX_DAYS,
    MIN_DAYS,
    OptionsError,
    StatsRequest,
    parse_stats_options,
)
from services.telemetry.analytics.render import render_png
from services.telemetry.analytics.report import build_chart
from services.telemetry.analytics.sessions import GuildDataset
from services.telemetry.analytics.worker import GraphWorker, RenderError
from services.telemetry.dataset import load_dataset

log = logging.getLogger(__name__)

COMMAND = "stats"
FOLLOW_UP_TIMEOUT = 10.0

NOT_ALLOWED = "`/stats` is for moderators: it needs the **Manage Server** permission."
NOT_OURS = "This command is not available right now; try again in a moment."
NO_DATA = "No voice activity has been recorded for this server yet, so there is nothing to draw."
INTERNAL = "The graph could not be drawn because of an internal error (it has been logged)."

# Option values come as decimal text; a few more digits than any valid day count or
# snowflake still reads as a number, so the validation can say it is out of range.
_WHOLE = re.compile(r"-?[0-9]{1,20}")


def stats_command() -> CommandSpec:
    """The ``/stats`` slash command as telemetry offers it to the gateway."""
    return CommandSpec(
        name=COMMAND,
        description="Graphs of who plays with whom and when (moderators)",
        options=[
            OptionSpec(
                name="graph",
                description="Which graph to draw",
                required=True,
                choices=[Choice(name=kind.label, value=kind.value) for kind in GraphKind],
            ),
            OptionSpec(
                name="days",
                description=(
                    f"How many days back (1-{MAX_DAYS}, 0 for all; each graph has a default)"
                ),
                kind="integer",
                min_value=MIN_DAYS,
                max_value=MAX_DAYS,
            ),
            OptionSpec(
                name="member",
                description="Whose week to show (week only)",
                kind="user",
            ),
        ],
        admin=True,
        ephemeral=True,
    )


def may_see_stats(member: MemberFacts) -> bool:
    """Whether the member holds Manage Server (or Administrator, which implies it)."""
    return is_admin(member.permissions)


def parse_interaction(interaction: Interaction) -> StatsRequest | OptionsError:
    """The checked request of a ``/stats`` interaction, whose options arrive as text."""
    options = interaction.options
    return parse_stats_options(
        options.get("graph"), _number(options.get("days")), options.get("member")
    )


def _number(text: str | None) -> int | str | None:
    # Only whole numbers become ints; anything else is passed on for the validation to refuse.
    if text is not None and _WHOLE.fullmatch(text.strip()):
        return int(text)
    return text


def load_live_dataset(path: Path, guild_id: int, now: datetime) -> GuildDataset:
    """One guild's data from the live database: members still in voice count until ``now``.

    ``load_dataset`` ends open sessions at the guild's last seen event, as reconciliation
    does after a crash. While the service runs, the gateway reports every leave, so an open
    session is someone in voice right now, however long ago the last event came.
    """
    # Open sessions first: one that closes before the dataset is read keeps its real end,
    # which is then within moments of ``now`` anyway.
    still_in = _open_sessions(path, guild_id)
    dataset = load_dataset(path, guild_id)
    if not still_in:
        return dataset
    sessions = tuple(
        dataclasses.replace(session, end=max(session.end, now))
        if (session.user_id, session.channel_id, session.start) in still_in
        else session
        for session in dataset.sessions
    )
    return dataclasses.replace(dataset, sessions=sessions)


def _open_sessions(path: Path, guild_id: int) -> set[tuple[int, int, datetime]]:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        rows = connection.execute(
            "SELECT user_id, channel_id, start FROM voice_sessions"
            ' WHERE guild_id = ? AND "end" IS NULL',
            (guild_id,),
        ).fetchall()
    return {(user, channel, datetime.fromtimestamp(start, UTC)) for user, channel, start in rows}


def draw_from_database(path: Path, guild_id: int, request: StatsRequest, now: datetime) -> bytes:
    """Read one guild's data from the live database file and draw the requested graph.

    Runs in the graph worker process.
    """
    dataset = load_live_dataset(path, guild_id, now)
    return render_png(request.kind, build_chart(request, dataset, now))


def _private(content: str) -> InteractionResponse:
    return InteractionResponse(kind="message", content=content, ephemeral=True)


def _caption(request: StatsRequest) -> str:
    if request.kind is GraphKind.WEEK:
        return f"The week of <@{request.member}>, this week."
    if request.days == ALL_HISTORY:
        period = "all the history"
    else:
        period = "today" if request.days == 1 else f"the last {request.days} days"
    return f"{request.kind.label}, {period}."


def _filename(request: StatsRequest) -> str:
    if request.kind is GraphKind.WEEK:
        return f"week-{request.member}.png"
    return f"{request.kind.value}.png"


class StatsCommand:
    """Answers ``/stats`` interactions and follows up with the graph.

    ``database`` is the live database file (the worker opens it read-only); ``clock`` gives
    the current calendar time as a UNIX timestamp.
    """

    def __init__(
        self,
        bus: BusClient,
        database: Path,
        worker: GraphWorker,
        tasks: TaskSet,
        *,
        clock: Clock,
    ) -> None:
        self._bus = bus
        self._database = database
        self._worker = worker
        self._tasks = tasks
        self._clock = clock

    async def answer(self, interaction: Interaction) -> InteractionAnswer:
        """The first response: a private refusal or error, or a deferral while the graph renders."""
        if interaction.kind != "command" or interaction.command != COMMAND:
            log.warning("telemetry got an interaction it does not own: %r", interaction.command)
            return InteractionAnswer(response=_private(NOT_OURS))
        if not may_see_stats(interaction.member):
            log.info("refused /stats to %d: no Manage Server", interaction.member.user_id)
            return InteractionAnswer(response=_private(NOT_ALLOWED))
        request = parse_interaction(interaction)
        if isinstance(request, OptionsError):
            return InteractionAnswer(response=_private(request.message))
        self._tasks.spawn(
            self._follow_up(interaction, request), name=f"stats.{interaction.interaction_id}"
        )
        return InteractionAnswer(response=InteractionResponse(kind="deferred", ephemeral=True))

    async def _follow_up(self, interaction: Interaction, request: StatsRequest) -> None:
        response = await self._draw(interaction.guild_id, request)
        try:
            await self._bus.request(
                "gateway",
                InteractionFollowUp(interaction_id=interaction.interaction_id, response=response),
                expect=MessageSent,
                timeout=FOLLOW_UP_TIMEOUT,
            )
        except BusError as error:
            log.warning(
                "could not deliver the %s graph for interaction %d: %s",
                request.kind,
                interaction.interaction_id,
                error,
            )

    async def _draw(self, guild_id: int, request: StatsRequest) -> InteractionResponse:
        """The follow-up: the PNG, or a message saying why there is none."""
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        began = time.perf_counter()
        try:
            png = await self._worker.call(
                f"the {request.kind} graph",
                draw_from_database,
                self._database,
                guild_id,
                request,
                now,
            )
        except LookupError:
            return _private(NO_DATA)
        except RenderError as error:
            return _private(f"The graph could not be drawn: {error}. Try again in a moment.")
        except Exception:
            log.exception("drawing the %s graph of guild %d failed", request.kind, guild_id)
            return _private(INTERNAL)
        log.info(
            "drew the %s graph of guild %d in %.2f s (%d bytes)",
            request.kind,
            guild_id,
            time.perf_counter() - began,
            len(png),
        )
        upload = FileUpload(filename=_filename(request), data=base64.b64encode(png).decode())
        return InteractionResponse(
            kind="message", content=_caption(request), files=[upload], ephemeral=True
        )
