"""Bus commands become Discord calls whose bodies match Discord's own description."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.errors import RemoteError, RequestRefused, discord_error
from bus.protocol import (
    ActionRow,
    AddReactions,
    CommandSpec,
    Component,
    DeleteMessage,
    Done,
    EditMessage,
    EventInterestedReply,
    FetchEventInterested,
    FetchMessage,
    FileUpload,
    MessageFetched,
    MessageSent,
    RegisterCommands,
    RemoveReactions,
    ReplyMessage,
    Request,
    SelectChoice,
    SendMessage,
)
from emulator import Emulator
from emulator.rules.scheduled_event_rules import EventFields
from emulator.rules.state import EventEntityType
from services.gateway import commands as gateway_commands
from services.gateway.service import Gateway
from services.scheduler.commands import COMMANDS
from services.scheduler.commands.config import CONFIG
from services.telemetry.stats import stats_command
from tests.emulator.support import Community, api, load_contract, small_community
from tests.emulator.test_contract import unexplained
from tests.services.gateway.support import STEP, peer, running_gateway

HOURS = ["🕓", "🕔", "🕕"]
OWNED = {"scheduler": COMMANDS, "telemetry": [stats_command()]}
"""The real owners' commands: every shape the bot registers (choices, bounds, subcommands)."""
EVERY_COMMAND = {spec.name for specs in OWNED.values() for spec in specs}
LIST = ("GET", "/applications/{application_id}/commands")
OVERWRITE = ("PUT", "/applications/{application_id}/commands")


@dataclass
class Asking:
    """Requests to the gateway as a service makes them, each bounded by ``STEP``."""

    client: BusClient

    async def __call__[R: ReplyMessage](self, body: Request, expect: type[R]) -> R:
        return await self.client.request("gateway", body, expect=expect, timeout=STEP)


async def send_with_a_file(ask: Asking, town: Community, content: str, part: Component) -> int:
    """A message with one component and a PNG sent through the gateway; its id."""
    png = FileUpload(filename="g.png", data=base64.b64encode(b"png").decode())
    rows = [ActionRow(components=[part])]
    body = SendMessage(channel_id=town.text.id, content=content, components=rows, files=[png])
    return (await ask(body, MessageSent)).message_id


async def test_message_commands_reach_discord(endpoints: Endpoints, short_tmp: Path) -> None:
    """Send (with a select and a file), edit, react in order, fetch and delete all work."""
    picker = Component(
        kind=3, custom_id="scheduler:pick", options=[SelectChoice(label="16:00", value="16")]
    )
    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as me, running_gateway(emu, endpoints, short_tmp):
            ask = Asking(me.client)
            m = await send_with_a_file(ask, town, "Who plays today?", picker)
            c = town.text.id
            shown = emu.driver.message(m, town.alice)
            assert shown.content == "Who plays today?"
            assert [a.filename for a in shown.attachments] == ["g.png"]
            assert [a.content_type for a in shown.attachments] == ["image/png"]
            await ask(EditMessage(channel_id=c, message_id=m, content="16:00 Alice"), MessageSent)
            await ask(AddReactions(channel_id=c, message_id=m, emojis=HOURS), Done)
            await emu.driver.react(town.alice, m, "🕔")
            fetched = await ask(FetchMessage(channel_id=c, message_id=m), MessageFetched)
            assert fetched.content == "16:00 Alice"
            assert [r.emoji for r in fetched.reactions] == HOURS
            users = {r.emoji: set(r.user_ids) for r in fetched.reactions}
            assert users["🕔"] == {emu.bot_id, town.alice.user_id}
            assert users["🕓"] == {emu.bot_id}
            await ask(RemoveReactions(channel_id=c, message_id=m, emojis=["🕔", "🕓"]), Done)
            left = emu.driver.message(m, town.alice).reactions
            assert [(r.emoji, r.users) for r in left if r.count] == [
                ("🕔", (town.alice.user_id,)),
                ("🕕", (emu.bot_id,)),
            ]  # only the bot's own reactions go, only those named
            await ask(DeleteMessage(channel_id=c, message_id=m), Done)
            with pytest.raises(RemoteError) as refused:
                await ask(FetchMessage(channel_id=c, message_id=m), MessageFetched)
            assert refused.value.code == "discord_10008"
            assert "Unknown Message" in refused.value.message


async def test_every_request_body_matches_discords_description(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Each REST exchange the gateway caused validates against Discord's OpenAPI description."""
    contract = load_contract()
    button = Component(kind=2, custom_id="scheduler:later", label="Later")
    png = FileUpload(filename="g.png", data=base64.b64encode(b"png").decode())
    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as me, running_gateway(emu, endpoints, short_tmp):
            ask = Asking(me.client)
            m = await send_with_a_file(ask, town, "daily", button)
            c = town.text.id
            edit = EditMessage(channel_id=c, message_id=m, content="edited", files=[png])
            await ask(edit, MessageSent)
            await ask(AddReactions(channel_id=c, message_id=m, emojis=HOURS), Done)
            await ask(FetchMessage(channel_id=c, message_id=m), MessageFetched)
            await ask(RemoveReactions(channel_id=c, message_id=m, emojis=HOURS[:1]), Done)
            await ask(DeleteMessage(channel_id=c, message_id=m), Done)
            with pytest.raises(RemoteError):
                await ask(DeleteMessage(channel_id=c, message_id=m), Done)
        records = list(emu.requests.records)
    violations = unexplained([v for r in records for v in contract.check(r)])
    assert not violations, "\n".join(str(v) for v in violations)
    assert len(records) >= 8


async def register(endpoints: Endpoints, owner: str, commands: Sequence[CommandSpec]) -> None:
    """``owner`` offers its commands to the gateway as it does at every start."""
    async with peer(endpoints, owner) as me:
        await me.client.request(
            "gateway",
            RegisterCommands(owner=owner, commands=list(commands)),
            expect=Done,
            timeout=STEP,
        )


async def start(emu: Emulator, endpoints: Endpoints, data_dir: Path) -> None:
    """One start of the bot: the gateway logs in, each owner registers in turn, it stops."""
    async with running_gateway(emu, endpoints, data_dir):
        for owner, commands in OWNED.items():
            await register(endpoints, owner, commands)


def held(emu: Emulator) -> set[str]:
    """The names of the global commands Discord holds for the emulator's bot."""
    return {
        c.name
        for c in emu.world.commands.values()
        if c.application_id == emu.application_id and c.guild_id is None
    }


async def test_a_start_gives_discord_the_commands_with_one_read(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A first start reads Discord's list once for all owners and uploads what it lacks."""
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)
        assert held(emu) == EVERY_COMMAND
        assert len(emu.requests.matching(*LIST)) == 1


async def test_an_unchanged_start_overwrites_nothing(endpoints: Endpoints, short_tmp: Path) -> None:
    """Against a Discord that holds equal commands, a start reads them and sends none."""
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)
        versions = {c.id: c.version for c in emu.world.commands.values()}
        emu.requests.clear()
        await start(emu, endpoints, short_tmp)
        assert emu.requests.matching(*LIST)
        assert not emu.requests.matching(*OVERWRITE)
        assert {c.id: c.version for c in emu.world.commands.values()} == versions


async def test_commands_deleted_on_discords_side_come_back(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Commands deleted at Discord since the last start are registered again at the next."""
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)
        async with api(emu) as rest:
            for command in list(emu.world.commands.values()):
                path = f"/applications/{emu.application_id}/commands/{command.id}"
                assert (await rest.call("DELETE", path)).status == 204
        assert not held(emu)
        await start(emu, endpoints, short_tmp)
        assert held(emu) == EVERY_COMMAND


async def test_a_changed_command_on_discords_side_is_put_back(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A command edited at Discord (its description, age restriction) is overwritten at start."""
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)
        config = next(c for c in emu.world.commands.values() if c.name == "config")
        async with api(emu) as rest:
            path = f"/applications/{emu.application_id}/commands/{config.id}"
            edit = {"description": "Edited elsewhere", "nsfw": True}
            assert (await rest.call("PATCH", path, json_body=edit)).status == 200
        await start(emu, endpoints, short_tmp)
        repaired = emu.world.commands[config.id].spec
        assert repaired.description == CONFIG.description
        assert not repaired.nsfw
        assert len(emu.requests.matching(*OVERWRITE)) == 3  # two owners, then the repair


async def test_two_bots_sharing_a_data_folder_each_get_their_commands(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A production and a test bot started in turn from one folder both hold every command."""
    async with Emulator() as production:
        await start(production, endpoints, short_tmp)
        async with Emulator() as testing:
            assert testing.application_id != production.application_id
            await start(testing, endpoints, short_tmp)
            assert held(testing) == EVERY_COMMAND
        production.requests.clear()
        await start(production, endpoints, short_tmp)
        assert held(production) == EVERY_COMMAND
        assert not production.requests.matching(*OVERWRITE)


async def test_owners_registering_at_once_read_discord_once(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Owners that register at the same moment share one read of Discord's list."""
    async with Emulator() as emu, running_gateway(emu, endpoints, short_tmp):
        await asyncio.gather(*(register(endpoints, o, c) for o, c in OWNED.items()))
        assert held(emu) == EVERY_COMMAND
        assert len(emu.requests.matching(*LIST)) == 1


async def test_an_unreadable_list_is_uploaded_anyway(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When Discord's list cannot be read, the commands are uploaded rather than skipped."""
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)  # Discord holds them: only a failed read uploads
        emu.requests.clear()
        async with running_gateway(emu, endpoints, short_tmp) as gateway:
            failing_reads(gateway, monkeypatch)
            await register(endpoints, "scheduler", COMMANDS)
        assert not emu.requests.matching(*LIST)
        assert len(emu.requests.matching(*OVERWRITE)) == 1
        assert held(emu) == EVERY_COMMAND


def failing_reads(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the gateway's reads of the command list fail as a Discord outage does."""
    assert gateway.commands is not None
    rest = gateway.commands.rest
    call = rest.call

    async def refusing(method: str, path: str, **arguments: Any) -> Any:
        if (method, path) == LIST:
            raise RequestRefused(discord_error(503), "HTTP 503")  # as rest.refused says it
        return await call(method, path, **arguments)

    monkeypatch.setattr(rest, "call", refusing)


async def test_registration_exchanges_match_discords_description(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The list read, its query and the overwrite validate against Discord's OpenAPI file."""
    contract = load_contract()
    async with Emulator() as emu:
        await start(emu, endpoints, short_tmp)
        records = emu.requests.matching(*LIST) + emu.requests.matching(*OVERWRITE)
    assert records[0].query == {"with_localizations": "true"}
    violations = unexplained([v for r in records for v in contract.check(r)])
    assert not violations, "\n".join(str(v) for v in violations)


async def test_an_owner_restarted_later_finds_deleted_commands_again(
    endpoints: Endpoints, short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the start's read is stale, an owner registering again makes the gateway look again."""
    monkeypatch.setattr(gateway_commands, "HELD_FOR", 0.0)  # every read is stale at once
    async with Emulator() as emu, running_gateway(emu, endpoints, short_tmp):
        for owner, commands in OWNED.items():
            await register(endpoints, owner, commands)
        async with api(emu) as rest:
            for command in list(emu.world.commands.values()):
                path = f"/applications/{emu.application_id}/commands/{command.id}"
                assert (await rest.call("DELETE", path)).status == 204
        await register(endpoints, "scheduler", COMMANDS)
        assert held(emu) == EVERY_COMMAND


async def test_who_is_interested_in_an_event_is_read_a_page_at_a_time(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """150 members and the bot clicked "Interested": the gateway reads Discord's pages of 100
    and answers with the 150 members, the bot aside; an unknown event is Discord's 10070."""
    async with Emulator() as emu:
        town = small_community(emu)
        crowd = [emu.driver.add_member(town.guild, f"m{n:03d}") for n in range(150)]
        fields = EventFields(
            name="Tournament",
            entity_type=EventEntityType.EXTERNAL,
            scheduled_start_time=datetime.now(UTC) + timedelta(days=1),
            scheduled_end_time=datetime.now(UTC) + timedelta(days=1, hours=2),
            channel_id=None,
            location="Online",
            description=None,
            image=None,
        )
        event = emu.actions.create_scheduled_event(
            town.guild.id, fields, creator_id=town.admin.user_id
        )
        for member in crowd:
            await emu.driver.mark_interested(member, event)
        emu.actions.mark_interested(event, emu.bot_id, interested=True)
        async with peer(endpoints) as me, running_gateway(emu, endpoints, short_tmp):
            found = await me.client.request(
                "gateway",
                FetchEventInterested(guild_id=town.guild.id, event_id=event.id),
                expect=EventInterestedReply,
                timeout=STEP,
            )
            assert found.user_ids == sorted(m.user_id for m in crowd)
            with pytest.raises(RemoteError) as refused:
                await me.client.request(
                    "gateway",
                    FetchEventInterested(guild_id=town.guild.id, event_id=event.id + 1),
                    expect=EventInterestedReply,
                    timeout=STEP,
                )
            assert refused.value.code == discord_error(10070)
        pages = [r.query for r in emu.requests.records if r.path.endswith("/users")]
        assert len(pages) == 3  # two for the event, one for the unknown one
        assert "after" not in pages[0]
        assert pages[0]["limit"] == pages[1]["limit"] == "100"
        everyone = sorted([emu.bot_id, *(m.user_id for m in crowd)])
        assert pages[1]["after"] == str(everyone[99])
