"""Bus commands become Discord calls whose bodies match Discord's own description."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from bus.errors import RemoteError
from bus.protocol import (
    ActionRow,
    AddReactions,
    Component,
    DeleteMessage,
    Done,
    EditMessage,
    FetchMessage,
    FileUpload,
    MessageFetched,
    MessageSent,
    RemoveReactions,
    SelectChoice,
    SendMessage,
)
from emulator import Emulator
from emulator.recorder import RequestRecord
from tests.emulator.support import load_contract, run, small_community
from tests.emulator.test_contract import unexplained
from tests.services.gateway.support import STEP, peer, running_gateway

HOURS = ["🕓", "🕔", "🕕"]


async def test_message_commands_reach_discord(endpoints: Endpoints, short_tmp: Path) -> None:
    """Send (with a select and a file), edit, react in order, fetch and delete all work."""

    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as me, running_gateway(emu, endpoints, short_tmp):
            ask = me.client.request
            picker = Component(
                kind=3,
                custom_id="scheduler:pick",
                options=[SelectChoice(label="16:00", value="16")],
            )
            png = FileUpload(filename="g.png", data=base64.b64encode(b"png").decode())
            sent = await ask(
                "gateway",
                SendMessage(
                    channel_id=town.text.id,
                    content="Who plays today?",
                    components=[ActionRow(components=[picker])],
                    files=[png],
                ),
                expect=MessageSent,
                timeout=STEP,
            )
            shown = emu.driver.message(sent.message_id, town.alice)
            assert shown.content == "Who plays today?"
            assert [a.filename for a in shown.attachments] == ["g.png"]
            assert [a.content_type for a in shown.attachments] == ["image/png"]
            c, m = town.text.id, sent.message_id
            await ask(
                "gateway",
                EditMessage(channel_id=c, message_id=m, content="16:00 Alice"),
                expect=MessageSent,
            )
            await ask(
                "gateway",
                AddReactions(channel_id=c, message_id=m, emojis=HOURS),
                expect=Done,
                timeout=STEP,
            )
            await emu.driver.react(town.alice, sent.message_id, "🕔")
            fetched = await ask(
                "gateway",
                FetchMessage(channel_id=c, message_id=m),
                expect=MessageFetched,
                timeout=STEP,
            )
            assert fetched.content == "16:00 Alice"
            assert [r.emoji for r in fetched.reactions] == HOURS
            users = {r.emoji: set(r.user_ids) for r in fetched.reactions}
            assert users["🕔"] == {emu.bot_id, town.alice.user_id}
            assert users["🕓"] == {emu.bot_id}
            await ask(
                "gateway",
                RemoveReactions(channel_id=c, message_id=m, emojis=["🕔", "🕓"]),
                expect=Done,
                timeout=STEP,
            )
            left = emu.driver.message(m, town.alice).reactions
            assert [(r.emoji, r.users) for r in left if r.count] == [
                ("🕔", (town.alice.user_id,)),
                ("🕕", (emu.bot_id,)),
            ]  # only the bot's own reactions go, only those named
            await ask(
                "gateway", DeleteMessage(channel_id=c, message_id=m), expect=Done, timeout=STEP
            )
            with pytest.raises(RemoteError) as refused:
                await ask(
                    "gateway",
                    FetchMessage(channel_id=c, message_id=m),
                    expect=MessageFetched,
                    timeout=STEP,
                )
            assert refused.value.code == "discord_10008"
            assert "Unknown Message" in refused.value.message


def test_every_request_body_matches_discords_description(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Each REST exchange the gateway caused validates against Discord's OpenAPI description."""
    contract = load_contract()

    async def scenario() -> list[RequestRecord]:
        async with Emulator() as emu:
            town = small_community(emu)
            async with peer(endpoints) as me, running_gateway(emu, endpoints, short_tmp):
                ask = me.client.request
                button = Component(kind=2, custom_id="scheduler:later", label="Later")
                png = FileUpload(filename="g.png", data=base64.b64encode(b"png").decode())
                sent = await ask(
                    "gateway",
                    SendMessage(
                        channel_id=town.text.id,
                        content="daily",
                        components=[ActionRow(components=[button])],
                        files=[png],
                    ),
                    expect=MessageSent,
                    timeout=STEP,
                )
                c, m = town.text.id, sent.message_id
                await ask(
                    "gateway",
                    EditMessage(channel_id=c, message_id=m, content="edited", files=[png]),
                    expect=MessageSent,
                    timeout=STEP,
                )
                await ask(
                    "gateway",
                    AddReactions(channel_id=c, message_id=m, emojis=HOURS),
                    expect=Done,
                    timeout=STEP,
                )
                await ask(
                    "gateway",
                    FetchMessage(channel_id=c, message_id=m),
                    expect=MessageFetched,
                    timeout=STEP,
                )
                await ask(
                    "gateway",
                    RemoveReactions(channel_id=c, message_id=m, emojis=HOURS[:1]),
                    expect=Done,
                    timeout=STEP,
                )
                await ask(
                    "gateway", DeleteMessage(channel_id=c, message_id=m), expect=Done, timeout=STEP
                )
                with pytest.raises(RemoteError):
                    await ask(
                        "gateway",
                        DeleteMessage(channel_id=c, message_id=m),
                        expect=Done,
                        timeout=STEP,
                    )
            return list(emu.requests.records)

    records = run(scenario())
    violations = unexplained([v for r in records for v in contract.check(r)])
    assert not violations, "\n".join(str(v) for v in violations)
    assert len(records) >= 8
