"""Interactions relayed to the services that own them, under Discord's 3-second rule.

Discord needs a first response within 3 s or the member sees "This
interaction failed". For every interaction the gateway asks the owner (an
``Interaction`` request) and, at the same time, pings it:

* the owner answers within ``defer_after`` (about 2 s): its answer is the response;
* the ping fails first: the owner is down; the member gets a private
  "try again in a moment" at once;
* neither: the gateway defers (a "thinking..." placeholder, or a silent
  acknowledgement for a component) and delivers the owner's answer as a
  follow-up when it comes — or "try again" if it never does.

Autocomplete cannot be deferred: a slow or absent owner yields no choices.
The tokens that follow-ups need are kept on disk (``pending.py``), so a
follow-up still reaches the member after a gateway restart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import nextcord

from bus.client import BusClient
from bus.clock import Calendar
from bus.errors import (
    INVALID_WEBHOOK_TOKEN,
    BusError,
    ErrorCode,
    RemoteError,
    RequestRefused,
    RequestTimeout,
)
from bus.protocol import (
    Interaction,
    InteractionAnswer,
    InteractionFollowUp,
    InteractionKind,
    InteractionResponse,
    MessageSent,
    Ping,
    Pong,
)
from bus.tasks import TaskSet
from services.gateway.config import GatewayConfig
from services.gateway.discord import CallbackType, InteractionType, OptionType
from services.gateway.pending import OpenInteractions
from services.gateway.registry import CommandRegistry
from services.gateway.rest import EPHEMERAL, Rest, choice_value, message_json
from services.gateway.snapshot import user_facts

log = logging.getLogger(__name__)

TRY_AGAIN = "squadtime is catching its breath; try again in a moment."
UNAVAILABLE = "This command is not available right now; try again in a moment."
FIRST_RESPONSE_WAIT = 5.0  # past Discord's 3-second deadline: the first response is out by then

KINDS: dict[int, InteractionKind] = {
    InteractionType.APPLICATION_COMMAND: "command",
    InteractionType.MESSAGE_COMPONENT: "component",
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: "autocomplete",
}


class Unroutable(Exception):
    """No service owns this interaction."""


class InteractionRelay:
    """Relays interactions to owners and their answers back to Discord."""

    def __init__(
        self,
        bus: BusClient,
        rest: Rest,
        registry: CommandRegistry,
        config: GatewayConfig,
        tasks: TaskSet,
        pending: OpenInteractions,
        calendar: Calendar,
    ) -> None:
        self.bus = bus
        self.rest = rest
        self.registry = registry
        self.config = config
        self.tasks = tasks
        self.pending = pending
        self.calendar = calendar  # what each relayed interaction is stamped with
        # Interactions whose first response is not sent yet: a follow-up waits for it.
        self._unanswered: dict[int, asyncio.Event] = {}

    # ---------------------------------------------------------------- relay

    async def relay(self, interaction: nextcord.Interaction[Any]) -> None:
        """Answer ``interaction`` with its owner's response, within Discord's deadline."""
        data: dict[str, Any] = dict(interaction.data or {})
        kind = KINDS.get(int(interaction.type.value))
        if kind is None or (interaction.guild_id is None and kind != "component"):
            return  # pings, modals and commands in DMs are not part of the bot
        # A button in a DM (a nudge's) is relayed with guild 0: its owner knows from the
        # custom id which server it is about, and checks that it is the member's.
        if kind != "autocomplete":  # autocomplete is answered once, never followed up
            self.pending.add(interaction.id, interaction.token or "", interaction.channel_id or 0)
            self._unanswered[interaction.id] = asyncio.Event()
        try:
            owner, request = self._request(interaction, kind, data)
        except Unroutable as why:
            log.warning("unroutable interaction: %s", why)
            await self._first(interaction, kind, _apology(kind, UNAVAILABLE), None)
            return
        answer = self.tasks.spawn(self._ask(owner, request), name=f"ask.{owner}")
        alive = self.tasks.spawn(self._alive(owner), name=f"ping.{owner}")
        deadline = asyncio.get_running_loop().time() + self.config.defer_after
        while not answer.done():
            waiting: set[asyncio.Task[Any]] = {answer}
            if not alive.done():
                waiting.add(alive)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await asyncio.wait(waiting, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if alive.done() and not alive.result():
                answer.cancel()
                log.warning("%s is down; told %s to try again", owner, interaction.user)
                await self._first(interaction, kind, _apology(kind, TRY_AGAIN), request)
                return
        if answer.done():
            await self._first(interaction, kind, answer.result(), request)
            return
        if kind == "autocomplete":
            answer.cancel()
            await self._first(interaction, kind, InteractionResponse(kind="autocomplete"), request)
            return
        await self._defer_for(interaction, kind, request)
        await self._late(interaction, kind, await answer)

    async def _ask(self, owner: str, request: Interaction) -> InteractionResponse:
        """The owner's response, or a private apology when it fails or never answers."""
        try:
            reply = await self.bus.request(
                owner,
                request,
                expect=InteractionAnswer,
                timeout=self.config.answer_within,
                attempts=1,
            )
        except RemoteError as error:
            log.warning("%s could not handle %s: %s", owner, request.command, error)
            return _apology(request.kind, error.message)
        except RequestTimeout:
            log.warning("%s did not answer %s", owner, request.command or request.custom_id)
            return _apology(request.kind, TRY_AGAIN)
        return reply.response

    async def _alive(self, owner: str) -> bool:
        try:
            await self.bus.request(
                owner, Ping(), expect=Pong, timeout=self.config.owner_alive_within, attempts=2
            )
        except RemoteError:
            return True  # it answered, even if only to refuse: it is up
        except BusError:
            return False
        return True

    # -------------------------------------------------------------- request

    def _request(
        self, interaction: nextcord.Interaction[Any], kind: InteractionKind, data: dict[str, Any]
    ) -> tuple[str, Interaction]:
        command = ""
        options: dict[str, str] = {}
        focused = ""
        custom_id = str(data.get("custom_id", ""))
        if kind == "component":
            owner = custom_id.partition(":")[0]
            if not self.registry.is_owner(owner):
                raise Unroutable(f"component {custom_id!r} has no registered owner")
        else:
            path, options, focused = _options(data)
            command = " ".join([str(data.get("name", "")), *path])
            found = self.registry.owner_of(str(data.get("name", "")))
            if found is None:
                raise Unroutable(f"/{command} has no registered owner")
            owner = found
        user = interaction.user
        if user is None:
            raise Unroutable("an interaction without a user")
        # Permissions as Discord computed them for this interaction (channel overwrites included).
        member = msgspec.structs.replace(
            user_facts(user), permissions=interaction.permissions.value
        )
        message = interaction.message
        return owner, Interaction(
            kind=kind,
            interaction_id=interaction.id,
            guild_id=interaction.guild_id or 0,
            channel_id=interaction.channel_id or 0,
            member=member,
            command=command,
            options=options,
            focused=focused,
            custom_id=custom_id,
            values=[str(v) for v in data.get("values", [])],
            message_id=message.id if message is not None else 0,
            at=self.calendar.now(),
        )

    # ------------------------------------------------------------ responses

    async def _first(
        self,
        interaction: nextcord.Interaction[Any],
        kind: InteractionKind,
        response: InteractionResponse,
        request: Interaction | None,
    ) -> None:
        """The first response; a response Discord refuses becomes a private apology."""
        try:
            await self._first_or_apology(interaction, kind, response, request)
        finally:
            sent = self._unanswered.pop(interaction.id, None)
            if sent is not None:
                sent.set()

    async def _first_or_apology(
        self,
        interaction: nextcord.Interaction[Any],
        kind: InteractionKind,
        response: InteractionResponse,
        request: Interaction | None,
    ) -> None:
        token = interaction.token or ""
        try:
            await self._callback(interaction.id, token, response, request)
        except RequestRefused as error:
            log.warning("Discord refused the response to %s: %s", interaction.id, error.message)
            if kind == "autocomplete" or response.content == TRY_AGAIN:
                return
            try:
                await self._callback(interaction.id, token, _apology(kind, TRY_AGAIN), None)
            except RequestRefused:
                log.warning("Discord refused the apology for %s too", interaction.id)

    async def _callback(
        self,
        interaction_id: int,
        token: str,
        response: InteractionResponse,
        request: Interaction | None,
    ) -> None:
        flags = EPHEMERAL if response.ephemeral else 0
        match response.kind:
            case "message":
                body = message_json(response.content, response.components, flags=flags)
                await self.rest.callback(
                    interaction_id,
                    token,
                    CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
                    body,
                    response.files,
                )
            case "update":
                body = message_json(response.content, response.components)
                await self.rest.callback(
                    interaction_id, token, CallbackType.UPDATE_MESSAGE, body, response.files
                )
            case "deferred":
                # Noted first: a restart right after the callback must still fill the placeholder.
                self.pending.set_placeholder(interaction_id, True)
                try:
                    await self.rest.callback(
                        interaction_id,
                        token,
                        CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                        {"flags": flags},
                    )
                except RequestRefused:
                    self.pending.set_placeholder(interaction_id, False)
                    raise
            case "deferred_update":
                await self.rest.callback(
                    interaction_id, token, CallbackType.DEFERRED_UPDATE_MESSAGE
                )
            case "autocomplete":
                option = self.registry.option(request.command, request.focused) if request else None
                kind = option.kind if option is not None else "string"
                choices = [
                    {"name": c.name, "value": choice_value(c, kind)} for c in response.choices[:25]
                ]
                await self.rest.callback(
                    interaction_id,
                    token,
                    CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
                    {"choices": choices},
                )
            case other:
                raise RequestRefused(ErrorCode.BAD_REQUEST, f"unknown response kind {other!r}")

    async def _defer_for(
        self, interaction: nextcord.Interaction[Any], kind: InteractionKind, request: Interaction
    ) -> None:
        if kind == "component":
            response = InteractionResponse(kind="deferred_update")
        else:
            spec = self.registry.spec(request.command.split(" ")[0])
            response = InteractionResponse(
                kind="deferred", ephemeral=spec is not None and spec.ephemeral
            )
        await self._first(interaction, kind, response, request)

    async def _late(
        self,
        interaction: nextcord.Interaction[Any],
        kind: InteractionKind,
        response: InteractionResponse,
    ) -> None:
        """Deliver an answer that came after the gateway deferred."""
        if response.kind in ("deferred", "deferred_update"):
            return  # the owner follows up itself
        try:
            await self.follow_up(
                InteractionFollowUp(interaction_id=interaction.id, response=response)
            )
        except RequestRefused as error:
            log.warning("could not deliver a late answer to %s: %s", interaction.id, error.message)

    # ------------------------------------------------------------ follow-ups

    async def follow_up(self, request: InteractionFollowUp) -> MessageSent:
        """An owner's (or the gateway's own) follow-up to an acknowledged interaction.

        An owner may follow up before its own "deferred" answer has reached Discord
        (it sends both at once): the follow-up then waits for that first response,
        or it would post beside a "thinking..." placeholder that never goes away.
        """
        first = self._unanswered.get(request.interaction_id)
        if first is not None:
            try:
                async with asyncio.timeout(FIRST_RESPONSE_WAIT):
                    await first.wait()
            except TimeoutError:
                raise RequestRefused(
                    "not_acknowledged", "the interaction was never acknowledged"
                ) from None
        found = self.pending.get(request.interaction_id)
        if found is None:
            raise RequestRefused(INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        response = request.response
        if response.kind == "update" or (response.kind == "message" and found.placeholder):
            message = await self.rest.edit_original(found.token, response)
            self.pending.set_placeholder(request.interaction_id, False)
        elif response.kind == "message":
            message = await self.rest.followup(found.token, response)
        else:
            raise RequestRefused(ErrorCode.BAD_REQUEST, f"a follow-up cannot be {response.kind!r}")
        return MessageSent(channel_id=found.channel_id, message_id=int(message["id"]))


def _apology(kind: InteractionKind, text: str) -> InteractionResponse:
    if kind == "autocomplete":
        return InteractionResponse(kind="autocomplete")
    return InteractionResponse(kind="message", content=text, ephemeral=True)


def _options(data: dict[str, Any]) -> tuple[list[str], dict[str, str], str]:
    """(subcommand path, option values as text, focused option name)."""
    path: list[str] = []
    values: dict[str, str] = {}
    focused = ""
    options: list[dict[str, Any]] = list(data.get("options") or [])
    while options and int(options[0].get("type", 0)) in (
        OptionType.SUB_COMMAND,
        OptionType.SUB_COMMAND_GROUP,
    ):
        path.append(str(options[0]["name"]))
        options = list(options[0].get("options") or [])
    for option in options:
        value = option.get("value")
        values[str(option["name"])] = (
            ("true" if value else "false") if isinstance(value, bool) else str(value)
        )
        if option.get("focused"):
            focused = str(option["name"])
    return path, values, focused
