"""The gateway's session: no REST on events, fresh snapshots, refused credentials, no leaks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from nextcord.http import HTTPClient
from nextcord.utils import MISSING

from bus.endpoints import Endpoints
from bus.errors import ErrorCode, RequestRefused
from bus.protocol import GuildSnapshot, MessageSent, ReactionAdded, SendMessage
from emulator import Emulator, EmulatorConfig
from services.gateway.rest import Rest
from services.runtime.service import EXIT_CONFIG
from tests.emulator.support import small_community
from tests.services.gateway.support import STEP, gateway_process, peer, running_gateway

EMOJIS = [chr(0x1F600 + i) for i in range(20)]
SECRET = "MTIzNDU2Nzg5MDEy.squadtime-test.very-secret-token-value"


async def test_a_thousand_reactions_cost_no_rest_call(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """1,000 reactions become 1,000 bus events and not a single Discord request."""
    async with Emulator() as emu:
        town = small_community(emu)
        members = [emu.driver.add_member(town.guild, f"m{i}") for i in range(50)]
        async with peer(endpoints) as seen, running_gateway(emu, endpoints, short_tmp):
            sent = await seen.client.request(
                "gateway",
                SendMessage(channel_id=town.text.id, content="Who plays today?"),
                expect=MessageSent,
                timeout=STEP,
            )
            before = len(emu.requests)
            for member in members:
                for emoji in EMOJIS:
                    await emu.driver.react(member, sent.message_id, emoji)
            events = await seen.wait_for(ReactionAdded, count=1000)
            assert len(events) == 1000
            assert {e.member.display_name for e in events} == {f"m{i}" for i in range(50)}
            assert len(emu.requests) == before


async def test_restart_publishes_a_fresh_snapshot(endpoints: Endpoints, short_tmp: Path) -> None:
    """Each start of the gateway publishes the guild again, with what changed meanwhile."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints) as seen:
            async with running_gateway(emu, endpoints, short_tmp):
                [first] = await seen.wait_for(GuildSnapshot)
            carol = emu.driver.add_member(town.guild, "carol")
            async with running_gateway(emu, endpoints, short_tmp):
                _, second = await seen.wait_for(GuildSnapshot, count=2)
            before = {m.user_id for m in first.members}
            after = {m.user_id for m in second.members}
            assert after - before == {carol.user_id}
            assert second.at > first.at


async def test_bad_token_exits_with_config_code(endpoints: Endpoints, short_tmp: Path) -> None:
    """A token Discord refuses ends the process with code 2 and a one-line reason."""
    async with Emulator() as emu:
        process = await gateway_process(short_tmp, emu, "not-the-token")
        raw, _ = await asyncio.wait_for(process.communicate(), 30)
    code, output = process.returncode or 0, raw.decode()
    assert code == EXIT_CONFIG
    assert "cannot start: Discord refused the bot token" in output
    assert "not-the-token" not in output


async def test_missing_members_intent_exits_with_config_code(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Without the Server Members intent enabled, the process says where to enable it."""
    async with Emulator(EmulatorConfig(allowed_privileged_intents=0)) as emu:
        small_community(emu)
        process = await gateway_process(short_tmp, emu, emu.token)
        raw, _ = await asyncio.wait_for(process.communicate(), 30)
    code, output = process.returncode or 0, raw.decode()
    assert code == EXIT_CONFIG
    assert "Server Members intent" in output
    assert "docs/discord-setup.md" in output


async def test_missing_token_exits_with_config_code(short_tmp: Path) -> None:
    """With neither DISCORD_TOKEN nor DISCORD_TOKEN_FILE the process refuses to start."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE")}
    env["SQUADTIME_RUNTIME_DIR"] = str(short_tmp)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.gateway",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    raw, _ = await asyncio.wait_for(process.communicate(), 30)
    code, output = process.returncode or 0, raw.decode()
    assert code == EXIT_CONFIG
    assert "no bot token: set DISCORD_TOKEN or DISCORD_TOKEN_FILE" in output


async def test_token_never_appears_in_the_log(endpoints: Endpoints, short_tmp: Path) -> None:
    """A whole session at DEBUG level, start to SIGTERM, never prints the token."""
    async with Emulator(EmulatorConfig(token=SECRET)) as emu:
        town = small_community(emu)
        async with peer(endpoints) as seen:
            process = await gateway_process(short_tmp, emu, SECRET)
            try:
                await seen.wait_for(GuildSnapshot)
                await seen.client.request(
                    "gateway",
                    SendMessage(channel_id=town.text.id, content="hi"),
                    expect=MessageSent,
                    timeout=STEP,
                )
                process.send_signal(signal.SIGTERM)
                raw, _ = await asyncio.wait_for(process.communicate(), 30)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            assert process.returncode == 0
    output = raw.decode()
    assert "gateway up" in output
    assert "connected to Discord" in output
    assert SECRET not in output
    assert SECRET.split(".")[-1] not in output


async def test_a_stopping_gateway_refuses_calls_instead_of_opening_a_session() -> None:
    """After the client closed, a call is refused (unavailable) and nextcord opens no new
    HTTP session that nobody would close."""
    http = HTTPClient(dispatch=lambda *_: None)
    rest = Rest(http, 1, closed=lambda: True)
    with pytest.raises(RequestRefused) as refused:
        await rest.call("GET", "/applications/{application_id}/commands", application_id=1)
    assert refused.value.code == ErrorCode.UNAVAILABLE
    assert getattr(http, "_HTTPClient__session", None) in (None, MISSING)
