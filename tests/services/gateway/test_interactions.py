"""Slash commands, autocomplete and components reach their owner; members always get an answer."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import (
    ActionRow,
    Choice,
    CommandSpec,
    Component,
    Done,
    Envelope,
    ErrorReply,
    GuildSnapshot,
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
from emulator.engine.interactions import CallbackType
from services.gateway.interactions import TRY_AGAIN
from tests.emulator.support import Community, load_contract, small_community
from tests.emulator.test_contract import unexplained
from tests.services.gateway.support import (
    STEP,
    Peer,
    gateway_process,
    peer,
    running_gateway,
)

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
    CommandSpec(name="hasty", description="Follows up before its deferral is out"),
]


BULK_PERMISSIONS = re.compile(r"^\$\[\d+\]\.default_member_permissions$")
"""The known string-bitfield gap (tests/emulator/test_contract.py), in the bulk command upload."""


class Owner:
    """The scheduler's side of interactions: answers as each test needs."""

    def __init__(self) -> None:
        self.seen: list[Interaction] = []
        self.release = asyncio.Event()
        self.client: BusClient | None = None
        self.follow_ups: list[asyncio.Task[MessageSent]] = []

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
            case "command", "hasty":
                assert self.client is not None
                follow_up = InteractionFollowUp(
                    interaction_id=request.interaction_id,
                    response=InteractionResponse(content="already done"),
                )
                self.follow_ups.append(
                    asyncio.create_task(
                        self.client.request("gateway", follow_up, expect=MessageSent, timeout=STEP)
                    )
                )
                await asyncio.sleep(0)  # let the follow-up leave first, as a hasty owner's would
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
        running_gateway(emu, endpoints, data, calendar=None, **overrides),
        peer(endpoints, "scheduler", owner.answer) as me,
    ):
        owner.client = me.client
        await me.client.request(
            "gateway",
            RegisterCommands(owner="scheduler", commands=COMMANDS),
            expect=Done,
            timeout=STEP,
        )
        yield town, me


async def test_commands_are_registered_as_described(endpoints: Endpoints, short_tmp: Path) -> None:
    """The owners' specs become Discord commands; admin ones need Manage Server."""
    async with Emulator() as emu, owned(emu, endpoints, short_tmp, Owner()):
        commands = {c.name: c for c in emu.world.commands.values()}
        assert set(commands) == {"timezone", "config", "slow", "later", "hasty"}
        assert commands["config"].default_member_permissions == 1 << 5
        assert commands["timezone"].default_member_permissions is None


async def test_slash_command_and_autocomplete_reach_the_owner(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The owner gets member, guild, channel and options; the member sees its answer."""
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


async def test_component_is_relayed_by_custom_id_prefix(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A select whose custom id starts with ``scheduler:`` reaches the scheduler."""
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
        outcome = await emu.driver.select(town.bob, sent.message_id, "scheduler:pick", ["16", "18"])
        assert not outcome.failed
        assert emu.driver.message(sent.message_id, town.bob).content == "picked 16, 18"
        asked = owner.seen[-1]
        assert (asked.custom_id, asked.values) == ("scheduler:pick", ["16", "18"])
        assert asked.message_id == sent.message_id


async def test_slow_owner_is_deferred_then_followed_up(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """An owner slower than the defer delay gets a "thinking" placeholder filled in later."""
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


async def test_owner_may_defer_and_follow_up_itself(endpoints: Endpoints, short_tmp: Path) -> None:
    """An owner that answers "deferred" fills the placeholder with InteractionFollowUp."""
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


async def test_a_follow_up_sent_with_the_deferral_fills_the_placeholder(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """An owner that follows up before its deferral reached Discord: one message, no "thinking"."""
    owner = Owner()
    async with Emulator() as emu, owned(emu, endpoints, short_tmp, owner) as (town, _):
        outcome = await emu.driver.slash(town.alice, town.text, "hasty")
        assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
        await asyncio.wait_for(asyncio.gather(*owner.follow_ups), STEP)
        shown = await emu.driver.settle(outcome, timeout=STEP)
        assert shown.content == "already done"
        assert emu.driver.followups(outcome) == []


async def test_dead_owner_gets_a_clear_private_answer_in_time(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """With the owner down, the member reads "try again" privately, within 3 s."""
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
            outcome = await emu.driver.slash(town.alice, town.text, "timezone", {"zone": "UTC"})
            assert not outcome.failed  # answered within Discord's 3 s, on the emulator's clock
            assert outcome.message is not None
            assert outcome.message.content == TRY_AGAIN
            assert outcome.ephemeral


async def test_follow_up_after_a_gateway_restart_reaches_the_member(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A gateway restarted between the defer and the owner's follow-up still fills "thinking..."."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints, "scheduler", Owner().answer) as me:
            async with running_gateway(emu, endpoints, short_tmp):
                await me.client.request(
                    "gateway",
                    RegisterCommands(owner="scheduler", commands=COMMANDS),
                    expect=Done,
                    timeout=STEP,
                )
                outcome = await emu.driver.slash(town.alice, town.text, "later")
                assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
            saved = short_tmp / "gateway" / "interactions.json"
            assert saved.stat().st_mode & 0o777 == 0o600
            async with running_gateway(emu, endpoints, short_tmp):
                await me.client.request(
                    "gateway",
                    InteractionFollowUp(
                        interaction_id=outcome.interaction_id,
                        response=InteractionResponse(content="here it is, after all"),
                    ),
                    expect=MessageSent,
                    timeout=STEP,
                )
                shown = await emu.driver.settle(outcome, timeout=STEP)
                assert shown.content == "here it is, after all"
                assert emu.driver.followups(outcome) == []  # the placeholder was filled


async def _stopped(process: asyncio.subprocess.Process, log: asyncio.Task[bytes]) -> str:
    """SIGTERM ``process`` and return its whole log once it has exited cleanly."""
    process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(process.wait(), STEP)
    assert code == 0
    return (await asyncio.wait_for(log, STEP)).decode()


async def test_interaction_tokens_never_appear_in_the_log(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Two DEBUG gateway processes, deferring then following up across a restart, never print it."""
    async with Emulator() as emu:
        town = small_community(emu)
        async with peer(endpoints, "scheduler", Owner().answer) as me:
            logs: list[str] = []
            for start in (1, 2):
                process = await gateway_process(short_tmp, emu, emu.token)
                assert process.stdout is not None
                log = asyncio.create_task(process.stdout.read())
                try:
                    await me.wait_for(GuildSnapshot, count=start)
                    if start == 1:
                        await me.client.request(
                            "gateway",
                            RegisterCommands(owner="scheduler", commands=COMMANDS),
                            expect=Done,
                            timeout=STEP,
                        )
                        outcome = await emu.driver.slash(town.alice, town.text, "later")
                        assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
                    else:
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
                    logs.append(await _stopped(process, log))
                finally:
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
                    log.cancel()
        token = emu.driver.interactions.by_id[outcome.interaction_id].token
        output = "\n".join(logs)
        assert "INTERACTION_CREATE" in output  # the raw event was logged, token and all
        assert f"/interactions/{outcome.interaction_id}/[redacted]/callback" in output
        assert token not in output
        assert token[-16:] not in output


async def _bob_picks_in_a_menu(emu: Emulator, town: Community, me: Peer) -> None:
    """A message with a select menu, sent through the gateway; Bob picks 16:00 in it."""
    pick = Component(
        kind=3, custom_id="scheduler:pick", options=[SelectChoice(label="16:00", value="16")]
    )
    body = SendMessage(
        channel_id=town.text.id, content="Your schedule", components=[ActionRow(components=[pick])]
    )
    sent = await me.client.request("gateway", body, expect=MessageSent, timeout=STEP)
    await emu.driver.select(town.bob, sent.message_id, "scheduler:pick", ["16"])


async def _follow_up(me: Peer, interaction_id: int, text: str) -> None:
    """The owner's private follow-up ``text`` to a deferred interaction."""
    body = InteractionFollowUp(
        interaction_id=interaction_id, response=InteractionResponse(content=text, ephemeral=True)
    )
    await me.client.request("gateway", body, expect=MessageSent, timeout=STEP)


async def test_every_interaction_response_matches_discords_description(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Answers, private answers, choices, updates, defers and follow-ups all validate."""
    contract = load_contract()

    owner = Owner()
    async with (
        Emulator() as emu,
        owned(emu, endpoints, short_tmp, owner, defer_after=0.5) as (town, me),
    ):
        await emu.driver.autocomplete(
            town.alice, town.text, "timezone", {"zone": "Eu"}, focused="zone"
        )
        await emu.driver.slash(town.admin, town.text, "config window", {"hours": 8})
        await _bob_picks_in_a_menu(emu, town, me)
        later = await emu.driver.slash(town.alice, town.text, "later")
        for text in ("first", "second"):  # fills the placeholder, then posts a follow-up
            await _follow_up(me, later.interaction_id, text)
        slow = await emu.driver.slash(town.alice, town.text, "slow")
        owner.release.set()
        await emu.driver.settle(slow, timeout=STEP)
        assert [m.content for m in emu.driver.followups(later)] == ["second"]
        records = list(emu.requests.records)
    routes = {r.route for r in records}
    assert "/interactions/{interaction_id}/{interaction_token}/callback" in routes
    assert "/webhooks/{webhook_id}/{webhook_token}" in routes
    assert "/webhooks/{webhook_id}/{webhook_token}/messages/@original" in routes
    callbacks = {
        r.body["type"]
        for r in records
        if r.route.startswith("/interactions/") and isinstance(r.body, dict)
    }
    assert callbacks == {4, 5, 7, 8}
    violations = [
        v
        for v in unexplained([v for r in records for v in contract.check(r)])
        if not (v.part == "request" and BULK_PERMISSIONS.match(v.where))
    ]
    assert not violations, "\n".join(str(v) for v in violations)
