"""Every REST exchange of a whole nextcord session checked against Discord's OpenAPI description."""

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta

import nextcord
import pytest

from emulator import Emulator
from emulator.rest.contract import SPEC_ENV, Violation
from emulator.rules.permissions import Permission
from tests.emulator.support import (
    STEP,
    Community,
    add_slash,
    commands_synced,
    load_contract,
    make_client,
    respond_again,
    running,
    small_community,
)

KNOWN_GAPS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "request",
        re.compile(r"^\$(\[\d+\])?\.default_member_permissions$"),
        "nextcord (one command) and the gateway (a bulk overwrite) send the permission bitfield "
        "as a string, as Discord documents it, returns it and accepts it; the description types "
        "it as an integer",
    ),
    (
        "request",
        re.compile(r"^\$\.attachments\[\d+\]\.id$"),
        "nextcord numbers new uploads 0, 1, ... as integers, which Discord accepts; the "
        "description wants snowflake strings",
    ),
    (
        "request",
        re.compile(r"^\$\.(recipient_id|channel_id)$"),
        "nextcord sends the DM's recipient and a scheduled event's channel as integers, which "
        "Discord accepts; the description wants snowflake strings",
    ),
    (
        "response",
        re.compile(r"^\$\.errors(\.|$)"),
        "Discord's per-field error codes are strings such as BASE_TYPE_MAX_LENGTH; the "
        "description reuses its top-level error object, whose code is an integer",
    ),
]
"""Where Discord's preview description is stricter than the API it describes."""


def unexplained(violations: list[Violation]) -> list[Violation]:
    return [
        v
        for v in violations
        if not any(v.part == part and pattern.match(v.where) for part, pattern, _ in KNOWN_GAPS)
    ]


class Picker(nextcord.ui.StringSelect[nextcord.ui.View]):
    def __init__(self) -> None:
        options = [nextcord.SelectOption(label=str(h), value=str(h)) for h in range(3)]
        super().__init__(custom_id="pick", options=options)

    async def callback(self, interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.edit_message(content=f"picked {self.values[0]}")


class Later(nextcord.ui.Button[nextcord.ui.View]):
    def __init__(self) -> None:
        super().__init__(custom_id="later", label="Later")

    async def callback(self, interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_message(content="see you later")


def install_commands(client: nextcord.Client, town: Community, codes: asyncio.Queue[int]) -> None:
    """Commands that, between them, use every kind of interaction response."""

    async def suggest(
        interaction: nextcord.Interaction[nextcord.Client], value: str, **_: object
    ) -> None:
        await interaction.response.send_autocomplete(["Europe/Paris", "Europe/Berlin"])

    async def zone(
        interaction: nextcord.Interaction[nextcord.Client],
        name: str = nextcord.SlashOption(description="zone", autocomplete_callback=suggest),
    ) -> None:
        await interaction.response.send_message(f"zone {name}", ephemeral=True)
        original = await interaction.original_message()
        await interaction.followup.send(f"confirmed {original.content}", ephemeral=True)

    async def menu(interaction: nextcord.Interaction[nextcord.Client]) -> None:
        view = nextcord.ui.View(timeout=None)
        view.add_item(Picker())
        view.add_item(Later())
        await interaction.response.send_message("menu", view=view)

    async def graph(interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_message(
            content="graph", file=nextcord.File(io.BytesIO(b"png"), "g.png")
        )
        extra = await interaction.followup.send("details", wait=True)
        await extra.edit(content="more details")
        await extra.delete()
        await interaction.delete_original_message()
        try:
            await interaction.response.send_message("again")
        except nextcord.InteractionResponded:
            codes.put_nowait(0)

    async def twice(interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.send_message("once")
        if code := await respond_again(client, interaction, "twice"):
            codes.put_nowait(code)

    add_slash(client, zone, name="zone", guild=town.guild)
    add_slash(client, menu, name="menu", guild=town.guild)
    add_slash(client, graph, name="graph", guild=town.guild, default_member_permissions=1 << 5)
    add_slash(client, twice, name="twice", guild=town.guild)


async def record_session(emu: Emulator) -> None:
    """Drive a nextcord client through everything the bot does with Discord's REST API."""
    town = small_community(emu)
    client = make_client()
    codes: asyncio.Queue[int] = asyncio.Queue()
    install_commands(client, town, codes)
    async with running(emu, client):
        await commands_synced(emu, "zone", "menu", "graph", "twice")
        guild = await start_up(emu, client, town)
        await a_message_s_life(emu, client, town, guild)
        await interactions(emu, client, town, codes)
        await direct_messages(emu, client, town)
        await scheduled_events(emu, client, town)


async def start_up(emu: Emulator, client: nextcord.Client, town: Community) -> nextcord.Guild:
    """The gateway's address, the commands overwritten, a channel and a member fetched."""
    http = client.http
    await asyncio.wait_for(http.get_bot_gateway(), STEP)
    await asyncio.wait_for(http.get_global_commands(emu.application_id), STEP)
    overwrite = [{"name": "about", "description": "About the bot", "type": 1}]
    await asyncio.wait_for(http.bulk_upsert_global_commands(emu.application_id, overwrite), STEP)
    emu.ratelimits.throttle("GET /channels/{channel_id}", major=town.text.id, seconds=0.2)
    await asyncio.wait_for(client.fetch_channel(town.text.id), STEP)
    guild = client.get_guild(town.guild.id)
    assert guild is not None
    await asyncio.wait_for(guild.fetch_member(town.alice.user_id), STEP)
    return guild


async def a_message_s_life(
    emu: Emulator, client: nextcord.Client, town: Community, guild: nextcord.Guild
) -> None:
    """Sent with a file, edited, reacted to, fetched, refused when too long, deleted."""
    channel = client.get_channel(town.text.id)
    assert isinstance(channel, nextcord.TextChannel)
    sent = await asyncio.wait_for(
        channel.send("daily", file=nextcord.File(io.BytesIO(b"hi"), "hi.txt")), STEP
    )
    await asyncio.wait_for(sent.edit(content="daily (edited)"), STEP)
    await asyncio.wait_for(sent.add_reaction("🎮"), STEP)
    await emu.driver.react(town.alice, sent.id, "🎮")
    fetched = await asyncio.wait_for(channel.fetch_message(sent.id), STEP)
    _ = [u async for u in fetched.reactions[0].users()]
    alice = await asyncio.wait_for(guild.fetch_member(town.alice.user_id), STEP)
    await asyncio.wait_for(sent.remove_reaction("🎮", alice), STEP)
    await asyncio.wait_for(sent.remove_reaction("🎮", guild.me), STEP)
    _ = [m async for m in channel.history(limit=5)]
    with pytest.raises(nextcord.HTTPException):
        await asyncio.wait_for(channel.send("x" * 2001), STEP)
    await asyncio.wait_for(sent.edit(content="daily (again)"), STEP)
    await asyncio.wait_for(sent.delete(), STEP)


async def interactions(
    emu: Emulator, client: nextcord.Client, town: Community, codes: asyncio.Queue[int]
) -> None:
    """Autocomplete, commands, a menu and a button, an answer given twice, an expired token."""
    await emu.driver.autocomplete(town.alice, town.text, "zone", {"name": "Eu"}, focused="name")
    await emu.driver.slash(town.alice, town.text, "zone", {"name": "Europe/Paris"})
    menu = await emu.driver.slash(town.bob, town.text, "menu")
    assert menu.message is not None
    await emu.driver.select(town.bob, menu.message.id, "pick", ["1"])
    later = await emu.driver.click(town.bob, menu.message.id, "later")
    await emu.driver.settle(later, timeout=STEP)
    graph = await emu.driver.slash(town.admin, town.text, "graph")
    await emu.driver.slash(town.alice, town.text, "twice")
    assert await asyncio.wait_for(codes.get(), STEP) in (0, 40060)
    assert await asyncio.wait_for(codes.get(), STEP) in (0, 40060)
    emu.driver.advance(16 * 60)
    with pytest.raises(nextcord.HTTPException):
        await asyncio.wait_for(
            client.http.get_original_interaction_response(
                emu.application_id, _token(emu, graph.interaction_id)
            ),
            STEP,
        )


async def direct_messages(emu: Emulator, client: nextcord.Client, town: Community) -> None:
    """A reminder by DM, the DM channel fetched, then a member who closed their DMs."""
    alice = await asyncio.wait_for(client.fetch_user(town.alice.user_id), STEP)
    reminder = await asyncio.wait_for(alice.send("You play at 19:00"), STEP)
    await asyncio.wait_for(client.fetch_channel(reminder.channel.id), STEP)
    emu.driver.close_dms(town.alice)
    with pytest.raises(nextcord.Forbidden):
        await asyncio.wait_for(alice.send("And at 20:00"), STEP)


async def scheduled_events(emu: Emulator, client: nextcord.Client, town: Community) -> None:
    """An external and a voice event: created, fetched, listed, started, ended, refused, deleted."""
    organisers = emu.driver.add_role(town.guild, "Organisers", permissions=Permission.CREATE_EVENTS)
    bot = emu.driver.bot(town.guild)
    emu.driver.set_roles(bot, [*(town.guild.roles[r] for r in bot.roles), organisers])
    guild = client.get_guild(town.guild.id)
    voice = client.get_channel(town.voice.id)
    assert guild is not None
    assert isinstance(voice, nextcord.VoiceChannel)
    soon = datetime.now(UTC) + timedelta(hours=1)
    outside = await asyncio.wait_for(
        guild.create_scheduled_event(
            name="LAN",
            entity_type=nextcord.ScheduledEventEntityType.external,
            start_time=soon,
            end_time=soon + timedelta(hours=3),
            metadata=nextcord.EntityMetadata(location="Town hall"),
            description="Bring a PC",
        ),
        STEP,
    )
    tonight = await asyncio.wait_for(
        guild.create_scheduled_event(
            name="19:00 squad",
            entity_type=nextcord.ScheduledEventEntityType.voice,
            start_time=soon,
            channel=voice,
        ),
        STEP,
    )
    await asyncio.wait_for(guild.fetch_scheduled_event(tonight.id), STEP)
    _ = [e async for e in guild.fetch_scheduled_events()]
    clicked = emu.world.scheduled_event(town.guild.id, tonight.id)
    await emu.driver.mark_interested(town.alice, clicked)
    await asyncio.wait_for(
        client.http.get_event_users(town.guild.id, tonight.id, limit=100, with_member=True), STEP
    )
    started = await asyncio.wait_for(
        tonight.edit(name="19:00 squad (5 in)", status=nextcord.ScheduledEventStatus.active), STEP
    )
    await asyncio.wait_for(started.edit(status=nextcord.ScheduledEventStatus.completed), STEP)
    with pytest.raises(nextcord.HTTPException):
        await asyncio.wait_for(started.edit(name="again"), STEP)
    await asyncio.wait_for(outside.delete(), STEP)


def _token(emu: Emulator, interaction_id: int) -> str:
    return emu.interactions.by_id[interaction_id].token


async def test_whole_session_matches_discords_description() -> None:
    """Requests the client sent and answers the emulator gave all validate against the spec."""
    contract = load_contract()

    async with Emulator() as emu:
        await record_session(emu)
        records = list(emu.requests.records)
    violations = unexplained([v for r in records for v in contract.check(r)])
    assert not violations, "\n".join(str(v) for v in violations)
    covered = {r.key for r in records}
    statuses = {r.status for r in records}
    assert {200, 201, 204, 400, 401, 403, 429} <= statuses
    assert len(covered) >= 20
    assert {
        "POST /users/@me/channels",
        "GET /channels/{channel_id}",
        "GET /guilds/{guild_id}/scheduled-events",
        "POST /guilds/{guild_id}/scheduled-events",
        "GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
        "PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
        "DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}",
        "GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users",
    } <= covered


def test_missing_description_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``CI`` set, a missing description is a failure, not a skip."""
    monkeypatch.setenv(SPEC_ENV, "/nonexistent/openapi.json")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception):
        load_contract()
