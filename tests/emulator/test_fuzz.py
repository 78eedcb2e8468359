"""Schemathesis fuzzes every operation the emulator implements with Discord's own description."""

import asyncio
import hashlib
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from requests.adapters import HTTPAdapter
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from emulator import Emulator
from emulator.engine.config import EmulatorConfig
from emulator.engine.interactions import InteractionType, PendingInteraction
from emulator.rest.app import route_table
from emulator.rest.contract import Violation
from emulator.rules.limits import Rules
from emulator.rules.permissions import Permission
from emulator.rules.ratelimit import RateLimitConfig, RouteLimit
from emulator.simulator.simclock import SimClock
from tests.emulator.support import STEP, Api, api, load_contract, small_community

EXAMPLES_PER_OPERATION = 12
"""Generated cases per operation and generation mode (positive, then negative): a count, never
a time budget, so every machine tries the same cases."""
TIMEOUT = 900
"""Seconds the whole test may take: a guard against a hang, not a budget (the cases are a
count). It takes about 80 s on an idle developer's machine, and was seen at 355 s while
other tests shared two cores."""
START = datetime(2025, 6, 2, 18, tzinfo=UTC)
"""The emulator's stopped clock: ids, and whether a generated date is past, never vary."""
EMOJI = "👍"

type Operation = APIOperation[Any, Any, Any, Any]

KNOWN_SPEC_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^\$\.errors(\.|$)"),
        "Discord's per-field error codes are strings such as BASE_TYPE_MAX_LENGTH; the "
        "description reuses its top-level error object, whose code is an integer",
    ),
]
"""Response parts where Discord's preview description contradicts what Discord sends."""


UNDESCRIBED = {("POST", "/oauth2/token")}
"""Served, but not in the description: OAuth2's token URL (a form, not JSON) is checked
against Discord's OAuth2 docs by ``test_oauth2.py`` instead."""


def implemented() -> set[tuple[str, str]]:
    """(method, template) of every route the emulator serves."""
    served = {(method.upper(), template) for method, template, _ in route_table()}
    return served - UNDESCRIBED


@contextmanager
def background(emu: Emulator) -> Iterator[asyncio.AbstractEventLoop]:
    """``emu`` started on a loopback port in its own thread's event loop; closed afterwards."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzzed-emulator", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(emu.start(), loop).result(timeout=STEP)
        try:
            yield loop
        finally:
            asyncio.run_coroutine_threadsafe(emu.close(), loop).result(timeout=STEP)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=STEP)
        loop.close()


async def populate(emu: Emulator) -> dict[str, str]:
    """A small guild, a message of the bot's with a reaction, a command, a scheduled event the
    bot may manage: their ids by name."""
    community = small_community(emu)
    organisers = emu.driver.add_role(
        community.guild,
        "Organisers",
        permissions=Permission.CREATE_EVENTS | Permission.MANAGE_EVENTS,
    )
    bot = emu.driver.bot(community.guild)
    emu.driver.set_roles(bot, [*(community.guild.roles[r] for r in bot.roles), organisers])
    bound = {
        "guild_id": str(community.guild.id),
        "channel_id": str(community.text.id),
        "application_id": str(emu.core.application_id),
        "user_id": str(community.alice.user_id),
        "emoji_name": EMOJI,
        "webhook_id": str(emu.core.application_id),
        "member_id": str(community.alice.user_id),
    }
    await restore(emu, bound)
    return bound


def open_interaction(emu: Emulator, bound: dict[str, str]) -> PendingInteraction:
    """Alice runs /fuzz in the guild's text channel."""
    return emu.interactions.open(
        InteractionType.APPLICATION_COMMAND,
        guild_id=int(bound["guild_id"]),
        channel_id=int(bound["channel_id"]),
        user_id=int(bound["member_id"]),
        data={"id": bound["guild_command_id"], "name": "fuzz", "type": 1},
        name="fuzz",
    )


def event_is_gone(emu: Emulator, bound: dict[str, str]) -> bool:
    """The bound scheduled event was deleted or finished (a finished one refuses every change)."""
    events = emu.world.guild(int(bound["guild_id"])).scheduled_events
    event = events.get(int(bound.get("guild_scheduled_event_id", "0")))
    return event is None or event.finished


def gone_from(emu: Emulator, bound: dict[str, str]) -> set[str]:
    """The keys of ``bound`` whose object a case deleted, answered or finished."""
    gone = {
        key
        for key, kept in (
            ("message_id", emu.world.messages),
            ("global_command_id", emu.world.commands),
            ("guild_command_id", emu.world.commands),
        )
        if int(bound.get(key, "0")) not in kept
    }
    unanswered = emu.interactions.by_id.get(int(bound.get("interaction_id", "0")))
    if unanswered is None or unanswered.response is not None:
        gone.add("interaction_id")
    answered = emu.interactions.by_id.get(int(bound.get("answered_id", "0")))
    if answered is None or answered.original_message_id not in emu.world.messages:
        gone.add("answered_id")
    if event_is_gone(emu, bound):
        gone.add("guild_scheduled_event_id")
    return gone


async def restore(emu: Emulator, bound: dict[str, str]) -> None:
    """Post the bot's message (with a reaction), the commands and the scheduled event again if a
    case deleted them (or finished the event)."""
    gone = gone_from(emu, bound)
    if not gone:
        return
    commands_path = f"/applications/{emu.core.application_id}"
    async with api(emu) as rest:
        if "message_id" in gone:
            bound["message_id"] = await repost(rest, bound["channel_id"])
        for key, where in (
            ("global_command_id", f"{commands_path}/commands"),
            ("guild_command_id", f"{commands_path}/guilds/{bound['guild_id']}/commands"),
        ):
            if key in gone:
                body = {"name": "fuzz", "description": "A fuzzed command"}
                command = await rest.call("POST", where, json_body=body)
                assert command.status in (200, 201), command.body
                bound[key] = str(command.body["id"])
        if "guild_scheduled_event_id" in gone:
            bound["guild_scheduled_event_id"] = await recreate_event(emu, rest, bound["guild_id"])
        if "interaction_id" in gone:
            fresh = open_interaction(emu, bound)
            bound |= {"interaction_id": str(fresh.id), "interaction_token": fresh.token}
        if "answered_id" in gone:
            bound |= await answered_interaction(emu, rest, bound)


async def repost(rest: Api, channel_id: str) -> str:
    """The bot's message posted again, with its reaction; its id."""
    posted = await rest.post_message(int(channel_id), {"content": "fuzz me"})
    assert posted.status == 200, posted.body
    message_id = str(posted.body["id"])
    added = await rest.call(
        "PUT", f"/channels/{channel_id}/messages/{message_id}/reactions/{EMOJI}/@me"
    )
    assert added.status == 204, added.body
    return message_id


async def answered_interaction(emu: Emulator, rest: Api, bound: dict[str, str]) -> dict[str, str]:
    """An interaction answered with a message: its token serves the webhook routes, where
    @original and its id exist."""
    done = open_interaction(emu, bound)
    reply = {"type": 4, "data": {"content": "fuzzed"}}
    called = await rest.call(
        "POST", f"/interactions/{done.id}/{done.token}/callback", json_body=reply
    )
    assert called.status == 204, called.body
    assert done.original_message_id is not None
    return {
        "answered_id": str(done.id),
        "webhook_token": done.token,
        "original_id": str(done.original_message_id),
    }


async def recreate_event(emu: Emulator, rest: Api, guild_id: str) -> str:
    """An EXTERNAL event tomorrow, made room for if the cases filled the guild's 100."""
    start = emu.core.clock.now() + timedelta(days=1)
    body = {
        "name": "Fuzzed night",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": start.isoformat(),
        "scheduled_end_time": (start + timedelta(hours=2)).isoformat(),
        "entity_metadata": {"location": "Lobby"},
    }
    path = f"/guilds/{guild_id}/scheduled-events"
    event = await rest.call("POST", path, json_body=body)
    if event.code == 30038:
        for kept in list(emu.world.guild(int(guild_id)).scheduled_events):
            await rest.call("DELETE", f"{path}/{kept}")
        event = await rest.call("POST", path, json_body=body)
    assert event.status == 200, event.body
    return str(event.body["id"])


def binding(path: str, names: Iterable[str], bound: dict[str, str]) -> dict[str, str]:
    """The existing ids for the path parameters ``names`` of operation ``path``."""
    ids = bound | {
        "command_id": bound["guild_command_id" if "/guilds/" in path else "global_command_id"]
    }
    if path.startswith("/webhooks/"):
        ids["message_id"] = bound["original_id"]
    return {name: ids[name] for name in names if name in ids}


@dataclass(slots=True)
class Findings:
    server_errors: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    cases: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)


DRAWN_BOUNDARY = re.compile(rb"boundary=([0-9a-f]{32})")
"""A multipart boundary as requests (urllib3) and schemathesis draw it: 16 bytes of os.urandom."""
TOKEN_IN_PATH = re.compile(rb"^(/api/v10/(?:interactions|webhooks)/[^/]+/)[^/?]+")
"""An interaction's token in a callback or webhook path: a secret, drawn anew on every run."""


class Wire(HTTPAdapter):
    """What the cases send: multipart boundaries pinned, every request and answer hashed.

    The boundaries are drawn from ``os.urandom``, which no seed fixes; numbered in order of
    appearance instead (the same length, so Content-Length holds), the same case is the same
    bytes on every run, and :attr:`digest` tells whether two runs tried the same cases (leaving
    out interaction tokens, which no seed fixes either).
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent = hashlib.sha256()

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        raw, header = request.body, request.headers.get("Content-Type", "")
        body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else b""
        content_type = header.encode() if isinstance(header, str) else header
        drawn = dict.fromkeys(DRAWN_BOUNDARY.findall(content_type + b"\n" + body))
        for n, boundary in enumerate(drawn):
            pinned = b"%032d" % n
            content_type = content_type.replace(boundary, pinned)
            body = body.replace(boundary, pinned)
        if drawn:
            request.headers["Content-Type"] = content_type.decode()
            request.body = body
        response = super().send(request, *args, **kwargs)
        method = (request.method or "").encode()
        path = TOKEN_IN_PATH.sub(rb"\1<token>", request.path_url.encode())
        for part in (method, path, content_type, body, b"%d" % response.status_code):
            self.sent.update(b"%d:%s" % (len(part), part))
        return response

    @property
    def digest(self) -> str:
        return self.sent.hexdigest()


def unexplained(violations: list[Violation]) -> list[Violation]:
    return [
        v
        for v in violations
        if not (v.part == "response" and any(p.match(v.where) for p, _ in KNOWN_SPEC_ERRORS))
    ]


def fuzz_operation(
    operation: Operation,
    mode: GenerationMode,
    examples: int,
    exercise: Callable[[Case[Any]], None],
) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Case[Any]) -> None:
        exercise(case)

    try:
        fuzz()
    except Unsatisfiable:
        # Negative mode: nothing of this operation can be made invalid (GET /users/@me).
        if mode is GenerationMode.POSITIVE:
            raise


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT)
def test_fuzzing_finds_no_5xx_and_no_answer_outside_the_description(
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    """Schemathesis's cases for every implemented operation: no 5xx, every answer as described."""
    contract = load_contract()
    schema = schemathesis.openapi.from_dict(contract.spec)
    wanted = implemented()
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the description does not load: {result.err()}"
        operation = result.ok()
        if (operation.method.upper(), operation.path) in wanted:
            operations.append(operation)
    assert {(o.method.upper(), o.path) for o in operations} == wanted, "described operations"
    unlimited = RouteLimit(1_000_000, 1.0)
    # No case runs into an interaction's deadline, however slow the machine: the deadlines are
    # test_interactions.py's to check.
    never = TIMEOUT * 10.0
    config = EmulatorConfig(
        rules=Rules(interaction_deadline=never, interaction_token_ttl=never),
        limits=RateLimitConfig(routes={}, default=unlimited, global_per_second=1_000_000),
    )
    emu = Emulator(config, clock=SimClock(START))
    findings = Findings()
    wire = Wire()
    with background(emu) as loop, requests.Session() as session:
        session.mount("http://", wire)
        bound = asyncio.run_coroutine_threadsafe(populate(emu), loop).result(timeout=STEP)
        headers = {"Authorization": f"Bot {emu.token}"}

        def exercise(case: Case[Any]) -> None:
            label = f"{case.method.upper()} {case.operation.path}"
            findings.cases[label] = findings.cases.get(label, 0) + 1
            case.path_parameters = binding(case.operation.path, case.path_parameters or {}, bound)
            before = len(emu.core.requests)
            response = case.call(
                base_url=emu.api_url, session=session, headers=headers, timeout=STEP
            )
            findings.statuses.setdefault(label, Counter())[response.status_code] += 1
            if response.status_code >= 500:
                sent = case.as_curl_command(headers, base_url=emu.api_url)
                findings.server_errors.append(f"{response.status_code}: {sent[:600]}")
            for record in emu.core.requests.records[before:]:
                findings.violations += [
                    v for v in contract.check(record) if v.part in ("response", "route")
                ]
            asyncio.run_coroutine_threadsafe(restore(emu, bound), loop).result(timeout=STEP)

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for operation in operations:
                fuzz_operation(operation, mode, EXAMPLES_PER_OPERATION, exercise)
    # Two runs tried the same cases, and got the same answers, when these are equal.
    record_testsuite_property("fuzz_cases", sum(findings.cases.values()))
    record_testsuite_property("fuzz_sent", wire.digest)
    assert not findings.server_errors, "\n".join(findings.server_errors[:20])
    left = unexplained(findings.violations)
    assert not left, "\n".join(str(v) for v in left[:20])
    assert len(findings.cases) == len(wanted), findings.cases
