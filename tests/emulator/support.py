"""Helpers for emulator tests: run a coroutine with a time limit, run a nextcord client, call
the REST API raw (to send what nextcord would not, and read Discord's exact answer)."""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import nextcord
import pytest
from nextcord.http import Route

from emulator import Emulator, EmulatorConfig, RateLimitConfig
from emulator.rest.contract import SPEC_ENV, Contract, spec_path
from emulator.rules.state import Channel, Guild, Member, Role
from services.runtime.discord import close_session
from tests.helpers import run as run  # the emulator tests' bounded runner

STEP = 10.0
"""Upper bound for any single wait inside a test."""


type Handler = Callable[..., Awaitable[None]]

REACTIONS_AT_ONCE = 50
"""More reactions than a daily message has hours (Discord allows 20 distinct ones)."""


def reactions_at_once() -> EmulatorConfig:
    """Discord's limits, but the bot may add a message's reactions all at once.

    Discord paces a channel's reactions at one per quarter of a second, and says so to the
    millisecond in X-RateLimit-Reset-After (the emulator's default does too). nextcord
    3.2 waits out any exhausted bucket for at least a whole second, though: its
    ``RateLimit`` starts its reset time at 1.0 s and only ever raises it. So a daily
    message's hours cost a second each, for the bot and for every test that waits for
    them. Tests of what members see, not of that pacing, take this Discord; the twenty-hour
    window in ``tests/services/scheduler/test_daily.py`` still waits out Discord's own.
    """
    limits = RateLimitConfig()
    for route, limit in limits.routes.items():
        if limit.bucket == "reactions":
            limits.routes[route] = replace(limit, limit=REACTIONS_AT_ONCE)
    return EmulatorConfig(limits=limits)


async def respond_again(
    client: nextcord.Client, interaction: nextcord.Interaction[nextcord.Client], content: str
) -> int:
    """Answer an interaction a second time, past nextcord's guard; Discord's error code, or 0."""
    route = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=interaction.id,
        interaction_token=interaction.token,
    )
    try:
        await client.http.request(route, json={"type": 4, "data": {"content": content}})
    except nextcord.HTTPException as error:
        return error.code
    return 0


def add_slash(
    client: nextcord.Client,
    callback: Handler,
    *,
    name: str,
    guild: Guild,
    description: str = "A test command",
    default_member_permissions: int | None = None,
) -> None:
    """Register a guild slash command without nextcord's (untyped) decorator."""
    client.slash_command(
        name=name,
        description=description,
        guild_ids=[guild.id],
        default_member_permissions=default_member_permissions,
    )(callback)


async def commands_synced(emu: Emulator, *names: str) -> None:
    """Wait until the client has registered every command in ``names``."""
    await emu.driver.wait_until(
        lambda: set(names) <= {c.name for c in emu.world.commands.values()}, timeout=STEP
    )


class QuickClient(nextcord.Client):
    """A plain client that re-IDENTIFYs at once (nextcord waits 5 s, a courtesy to Discord)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_client(intents: nextcord.Intents | None = None) -> nextcord.Client:
    """A plain nextcord client tuned for a local server."""
    return QuickClient(intents=intents or nextcord.Intents.all(), guild_ready_timeout=0.1)


@contextlib.asynccontextmanager
async def running(emu: Emulator, client: nextcord.Client) -> AsyncIterator[nextcord.Client]:
    """Log ``client`` in to ``emu`` and wait until it is ready; close it afterwards."""
    previous = Route.BASE
    Route.BASE = emu.api_url
    task = asyncio.create_task(client.start(emu.token))
    try:
        ready = asyncio.ensure_future(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=STEP, return_when="FIRST_COMPLETED")
        if ready not in done:
            ready.cancel()
            if task.done():
                task.result()
            raise TimeoutError("client did not become ready")
        yield client
    finally:
        await asyncio.wait_for(close_session(client), STEP)
        done, _ = await asyncio.wait({task}, timeout=STEP)
        Route.BASE = previous
        if task not in done:
            task.cancel()
            await asyncio.wait({task}, timeout=STEP)
        elif not task.cancelled():
            task.result()


@dataclass(frozen=True, slots=True)
class Community:
    """A small guild: an admin, two members, a text and a voice channel."""

    guild: Guild
    admins: Role
    text: Channel
    voice: Channel
    admin: Member
    alice: Member
    bob: Member


def small_community(emu: Emulator) -> Community:
    driver = emu.driver
    guild = driver.add_guild("Squad")
    admins = driver.add_role(guild, "Admins", permissions=1 << 5)
    text = driver.add_text_channel(guild, "general")
    voice = driver.add_voice_channel(guild, "Lobby")
    admin = driver.add_member(guild, "admin", roles=[admins])
    alice = driver.add_member(guild, "alice", global_name="Alice")
    bob = driver.add_member(guild, "bob")
    return Community(guild, admins, text, voice, admin, alice, bob)


@dataclass(frozen=True, slots=True)
class Answer:
    """A raw REST answer: the status and the JSON body (None when there is none)."""

    status: int
    body: Any

    @property
    def code(self) -> int | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    def field_codes(self) -> dict[str, list[str]]:
        """Discord's ``errors`` tree flattened: ``{"components.0.custom_id": ["..."]}``."""
        found: dict[str, list[str]] = {}

        def walk(node: object, path: tuple[str, ...]) -> None:
            if not isinstance(node, dict):
                return
            for key, value in node.items():
                if key == "_errors":
                    found[".".join(path)] = [e["code"] for e in value]
                else:
                    walk(value, (*path, key))

        walk(self.body.get("errors") if isinstance(self.body, dict) else None, ())
        return found


class Api:
    """The emulator's REST API as the bot calls it, byte for byte what a test sends."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator) -> None:
        self.session = session
        self.emu = emu

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        data: bytes | aiohttp.FormData | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Answer:
        """``method`` ``/api/v10{path}`` with the bot's token (or ``token``); bounded by STEP."""
        sent = {"Authorization": f"Bot {token or self.emu.token}"} | (headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        async with asyncio.timeout(STEP):
            async with self.session.request(
                method, self.emu.api_url + path, data=data, headers=sent
            ) as response:
                raw = await response.read()
                body = json.loads(raw) if raw else None
                return Answer(response.status, body)

    async def post_message(self, channel_id: int, body: object) -> Answer:
        return await self.call("POST", f"/channels/{channel_id}/messages", json_body=body)


@contextlib.asynccontextmanager
async def api(emu: Emulator) -> AsyncIterator[Api]:
    """A raw REST client for ``emu``, closed afterwards."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, emu)


def load_contract() -> Contract:
    """Discord's description: a test failure in CI when it is missing, a skip elsewhere."""
    path = spec_path()
    if not path.is_file():
        reason = f"Discord's OpenAPI description not found at {path} (set {SPEC_ENV})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return Contract.load(path)
