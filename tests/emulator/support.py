"""Helpers for emulator tests: run a coroutine with a time limit, run a nextcord client."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import nextcord
from nextcord.http import Route

from emulator import Emulator
from emulator.state import Channel, Guild, Member, Role
from tests.helpers import run as run  # the emulator tests' bounded runner

STEP = 10.0
"""Upper bound for any single wait inside a test."""


type Handler = Callable[..., Awaitable[None]]


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
        await asyncio.wait_for(client.close(), STEP)
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
