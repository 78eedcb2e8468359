"""Slash commands, autocomplete and components reach their owner; members always get an answer."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bus.endpoints import Endpoints
from bus.protocol import (
    ActionRow,
    Choice,
    CommandSpec,
    Component,
    Done,
    Envelope,
    ErrorReply,
    Interaction,
    InteractionAnswer,
    InteractionFollowUp,
    InteractionResponse,
    MessageSent,
    OptionSpec,
    Ping,
    Pong,
    RegisterCommands,
    Reply,
    Request,
    SelectChoice,
    SendMessage,
    SubcommandSpec,
)
from emulator import Emulator
from emulator.interactions import CallbackType
from services.gateway.interactions import TRY_AGAIN
from tests.emulator.support import Community, run, small_community
from tests.services.gateway.support import STEP, Peer, peer, running_gateway

COMMANDS = [
    CommandSpec(
        name="timezone",
        description="Set your timezone",
        options=[OptionSpec(name="zone", description="IANA name", autocomplete=True)],
        ephemeral=True,
    ),
    CommandSpec(
        name="config",
        description="Configure squadtime",
        admin=True,
        subcommands=[
            SubcommandSpec(
                name="window",
                description="The play window",
                options=[OptionSpec(name="hours", description="How many", kind="integer")],
            )
        ],
    ),
    CommandSpec(name="slow", description="Takes its time"),
    CommandSpec(name="later", description="Answers in two steps"),
]


class Owner:
    """The scheduler's side of interactions: answers as each test needs."""

    def __init__(self) -> None:
        self.seen: list[Interaction] = []
        self.release = asyncio.Event()

    async def answer(self, envelope: Envelope, request: Request) -> Reply:
        if isinstance(request, Ping):
            return Pong(service="scheduler", pid=os.getpid())
        if not isinstance(request, Interaction):
            return ErrorReply(code="unknown_request", message="not an interaction")
        self.seen.append(request)
        match request.kind, request.command:
            case "autocomplete", _:
                zones = ["Europe/Paris", "Europe/Berlin", "America/New_York"]
                typed = request.options.get(request.focused, "")
                choices = [Choice(name=z, value=z) for z in zones if z.startswith(typed)]
                return InteractionAnswer(
                    response=InteractionResponse(kind="autocomplete", choices=choices)
                )
            case "command", "slow":
                await self.release.wait()
                return InteractionAnswer(response=InteractionResponse(content="worth the wait"))
            case "command", "later":
                return InteractionAnswer(response=InteractionResponse(kind="deferred"))
            case "component", _:
                picked = ", ".join(request.values)
                return InteractionAnswer(
                    response=InteractionResponse(kind="update", content=f"picked {picked}")
                )
            case _:
                text = f"{request.command} {request.options}"
                return InteractionAnswer(response=InteractionResponse(content=text, ephemeral=True))


@asynccontextmanager
async def owned(
    emu: Emulator, endpoints: Endpoints, data: Path, owner: Owner, **overrides: float
) -> AsyncIterator[tuple[Community, Peer]]:
    town = small_community(emu)
    async with (
        running_gateway(emu, endpoints, data, **overrides),
        peer(endpoints, "scheduler", owner.answer) as me,
    ):
        await me.client.request(
            "gateway",
            RegisterCommands(owner="scheduler", commands=COMMANDS),
            expect=Done,
            timeout=STEP,
        )
        yield town, me


def test_commands_are_registered_as_described(endpoints: Endpoints, short_tmp: Path) -> None:
    """The owners' specs become Discord commands; admin ones need Manage Server."""

    async def scenario() -> None:
        async with Emulator() as emu, owned(emu, endpoints, short_tmp, Owner()):
            commands = {c.name: c for c in emu.world.commands.values()}
            assert set(commands) == {"timezone", "config", "slow", "later"}
            assert commands["config"].default_member_permissions == 1 << 5
            assert commands["timezone"].default_member_permissions is None

    run(scenario())


def test_slash_command_and_autocomplete_reach_the_owner(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The owner gets member, guild, channel and options; the member sees its answer."""

    async def scenario() -> None:
        owner = Owner()
        async with Emulator() as emu, owned(emu, endpoints, short_tmp, owner) as (town, _):
            choices = await emu.driver.autocomplete(
                town.alice, town.text, "timezone", {"zone": "Europe/"}, focused="zone"
            )
            assert [c.value for c in choices] == ["Europe/Paris", "Europe/Berlin"]
            outcome = await emu.driver.slash(town.admin, town.text, "config window", {"hours": 8})
            assert outcome.message is not None
            assert outcome.message.content == "config window {'hours': '8'}"
            assert outcome.ephemeral
            asked = owner.seen[-1]
            assert (asked.guild_id, asked.channel_id) == (town.guild.id, town.text.id)
            assert asked.member.user_id == town.admin.user_id
            assert asked.member.role_ids == [town.admins.id]
            assert asked.member.permissions & (1 << 5)
            assert owner.seen[0].focused == "zone"

    run(scenario())


def test_component_is_relayed_by_custom_id_prefix(endpoints: Endpoints, short_tmp: Path) -> None:
    """A select whose custom id starts with ``scheduler:`` reaches the scheduler."""

    async def scenario() -> None:
        owner = Owner()
        async with Emulator() as emu, owned(emu, endpoints, short_tmp, owner) as (town, me):
            pick = Component(
                kind=3,
                custom_id="scheduler:pick",
                max_values=2,
                options=[SelectChoice(label=f"{h}:00", value=str(h)) for h in (16, 17, 18)],
            )
            sent = await me.client.request(
                "gateway",
                SendMessage(
                    channel_id=town.text.id,
                    content="Your schedule",
                    components=[ActionRow(components=[pick])],
                ),
                expect=MessageSent,
                timeout=STEP,
            )
            outcome = await emu.driver.select(
                town.bob, sent.message_id, "scheduler:pick", ["16", "18"]
            )
            assert not outcome.failed
            assert emu.driver.message(sent.message_id, town.bob).content == "picked 16, 18"
            asked = owner.seen[-1]
            assert (asked.custom_id, asked.values) == ("scheduler:pick", ["16", "18"])
            assert asked.message_id == sent.message_id

    run(scenario())


def test_slow_owner_is_deferred_then_followed_up(endpoints: Endpoints, short_tmp: Path) -> None:
    """An owner slower than the defer delay gets a "thinking" placeholder filled in later."""

    async def scenario() -> None:
        owner = Owner()
        async with (
            Emulator() as emu,
            owned(emu, endpoints, short_tmp, owner, defer_after=0.5) as (town, _),
        ):
            outcome = await emu.driver.slash(town.alice, town.text, "slow")
            assert not outcome.failed
            assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
            owner.release.set()
            shown = await emu.driver.settle(outcome, timeout=STEP)
            assert shown.content == "worth the wait"

    run(scenario())


def test_owner_may_defer_and_follow_up_itself(endpoints: Endpoints, short_tmp: Path) -> None:
    """An owner that answers "deferred" fills the placeholder with InteractionFollowUp."""

    async def scenario() -> None:
        owner = Owner()
        async with Emulator() as emu, owned(emu, endpoints, short_tmp, owner) as (town, me):
            outcome = await emu.driver.slash(town.alice, town.text, "later")
            assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
            await me.client.request(
                "gateway",
                InteractionFollowUp(
                    interaction_id=outcome.interaction_id,
                    response=InteractionResponse(content="here it is"),
                ),
                expect=MessageSent,
                timeout=STEP,
            )
            shown = await emu.driver.settle(outcome, timeout=STEP)
            assert shown.content == "here it is"

    run(scenario())


def test_dead_owner_gets_a_clear_private_answer_in_time(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """With the owner down, the member reads "try again" privately, within 3 s."""

    async def scenario() -> None:
        async with Emulator() as emu:
            town = small_community(emu)
            async with running_gateway(emu, endpoints, short_tmp):
                async with peer(endpoints, "voice") as gone:
                    await gone.client.request(
                        "gateway",
                        RegisterCommands(owner="voice", commands=COMMANDS[:1]),
                        expect=Done,
                        timeout=STEP,
                    )
                started = time.monotonic()
                outcome = await emu.driver.slash(town.alice, town.text, "timezone", {"zone": "UTC"})
                assert time.monotonic() - started < 3.0
                assert not outcome.failed
                assert outcome.message is not None
                assert outcome.message.content == TRY_AGAIN
                assert outcome.ephemeral

    run(scenario())
