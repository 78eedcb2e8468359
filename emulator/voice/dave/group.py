"""One voice channel's DAVE call as Discord's voice gateway runs it: the MLS delivery service.

Facts from the DAVE protocol description (daveprotocol.com, ``discord/dave-protocol``):

- The gateway proposes (op 27), members commit (op 28), the gateway broadcasts the first valid
  commit of the epoch (op 29) and sends the welcome to those it adds (op 30); every member then
  says it is ready (op 23) and, once all are (or after a timeout), the gateway executes the
  transition (op 22): senders switch to the new epoch's keys ("Commit Handling").
- Before a group is established every member is pending with a local group of its own; a key
  package (op 26) becomes an Add proposal for every other pending member, and a newcomer is
  sent the proposals already in flight for the others ("Initial Group Creation").
- A member who leaves is removed by an external Remove proposal ("Member Remove"); when one
  member is left in an established group it is told to start again: op 24 with epoch 1, then
  op 21 with transition 0 ("Sole member reset").
- A member that cannot process a commit or welcome sends op 31; the gateway removes it and
  adds it again from its new key package ("Recovery from Invalid Commit or Welcome").

Which commit arrives first is a race on Discord; here ``first_committer`` decides it: the
connected clients ("client", a simulated member's commit is used only when no client can
commit or none does within ``COMMIT_TIMEOUT``) or the simulated members ("members").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.voice.dave import mls
from emulator.voice.dave.participant import DAVE_VERSION, Link, Listener
from emulator.voice.dave.tls_codec import Malformed

log = logging.getLogger(__name__)

type Committer = Literal["client", "members"]

TRANSITION_TIMEOUT = 3.0
"""Seconds the gateway waits for every member's op 23 before executing anyway."""
COMMIT_TIMEOUT = 1.0
"""Seconds a client has to commit before a simulated member's commit is taken instead."""
UNASSIGNED = -1


@dataclass(frozen=True, slots=True)
class Proposal:
    kind: mls.ProposalType
    user_id: int
    message: bytes
    key_package: bytes = b""
    """An Add's key package: its welcome is trimmed to that member's secrets."""


@dataclass(frozen=True, slots=True)
class Committed:
    """One commit the gateway broadcast: who made it, the epoch it opened, who it changed."""

    channel_id: int
    committer: int
    epoch: int
    added: frozenset[int]
    removed: frozenset[int]


@dataclass(eq=False, slots=True)
class Seat:
    """One member of the call, as the gateway tracks it."""

    link: Link
    key_package: bytes | None = None
    leaf: int = UNASSIGNED
    received: list[Proposal] = field(default_factory=list)
    """Proposals sent to this member in the current epoch (before the group is established)."""
    held_commit: bytes | None = None

    @property
    def user_id(self) -> int:
        return self.link.user_id


@dataclass(eq=False, slots=True)
class Transition:
    id: int
    waiting: set[int]
    timer: asyncio.TimerHandle | None = None


class Call:
    """The DAVE state of one voice channel while at least one client is connected to it."""

    def __init__(
        self,
        channel_id: int,
        sender: mls.ExternalSender,
        *,
        first_committer: Callable[[], Committer],
        member_latency: Callable[[], float] = lambda: 0.0,
        on_change: Callable[[], None],
        history: list[Committed] | None = None,
    ) -> None:
        self.channel_id = channel_id
        self.sender = sender
        self.epoch = 0
        self.seats: dict[int, Seat] = {}
        self.leaves: list[int | None] = []
        self.lock = asyncio.Lock()
        """Held by whoever changes the call: one message at a time, as a gateway does."""
        self.spoil_welcome_for: set[int] = set()
        """Users whose next welcome is corrupted in transit (to test op 31 recovery)."""
        self._first_committer = first_committer
        self._member_latency = member_latency
        self.history: list[Committed] = [] if history is None else history
        """Every commit broadcast, oldest first (shared with the server, which outlives calls)."""
        self._on_change = on_change
        self._proposals: list[Proposal] = []  # broadcast in this (established) epoch
        self._transitions: dict[int, Transition] = {}
        self._next_transition = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._commit_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------ facts

    @property
    def established(self) -> bool:
        return self.epoch > 0

    @property
    def members(self) -> list[Seat]:
        """Seats in the established group, by leaf index."""
        seated = (self.seats.get(u) for u in self.leaves if u is not None)
        return [s for s in seated if s is not None and s.leaf != UNASSIGNED]

    def listeners(self) -> list[Listener]:
        return [s.link for s in self.members if isinstance(s.link, Listener)]

    def recognized(self) -> set[int]:
        return set(self.seats)

    def close(self) -> None:
        """Drop the call (its last client left): timers stop, pending work is cancelled."""
        for transition in self._transitions.values():
            if transition.timer is not None:
                transition.timer.cancel()
        if self._commit_timer is not None:
            self._commit_timer.cancel()
        for task in self._tasks:
            task.cancel()

    # ------------------------------------------------------------ members in and out

    async def join(self, link: Link) -> None:
        """A member connected: tell the others, give it the external sender and, before the
        group is established, the proposals in flight for the members already pending."""
        others = list(self.seats.values())
        seat = Seat(link)
        self.seats[link.user_id] = seat
        for other in others:
            await other.link.clients_connect([link.user_id])
        if others:
            await link.clients_connect([o.user_id for o in others])
        await link.external_sender(self.sender.package())
        in_flight = [
            self._add(o.user_id, kp, epoch=0)
            for o in others
            if (kp := o.key_package) is not None and not self.established
        ]
        if isinstance(link, Listener):
            # A client sends its key package as soon as it knows the protocol version (op 4),
            # before the in-flight proposals reach it.
            await self.key_package(link.user_id, link.key_package())
        if in_flight and seat.leaf == UNASSIGNED and not self.established:
            await self._send_proposals([seat], in_flight)
        self._on_change()

    async def leave(self, user_id: int) -> None:
        """A member disconnected: tell the others and propose its removal."""
        seat = self.seats.pop(user_id, None)
        if seat is None:
            return
        for transition in list(self._transitions.values()):
            transition.waiting.discard(user_id)
            await self._maybe_execute(transition)
        for other in self.seats.values():
            await other.link.client_disconnect(user_id)
        if not self.established or seat.leaf == UNASSIGNED:
            await self._revoke(user_id)
        else:
            remaining = self.members
            if len(remaining) == 1 and len(self.seats) == 1:
                await self._sole_member_reset(remaining[0])
            elif remaining:
                proposal = Proposal(
                    mls.ProposalType.REMOVE,
                    user_id,
                    self.sender.remove(self.channel_id, self.epoch, seat.leaf),
                )
                await self._propose([proposal])
        self._on_change()

    async def key_package(self, user_id: int, key_package: bytes) -> bool:
        """Op 26 from ``user_id``; False (and nothing proposed) for a key package that is not
        the sender's own or not shaped as DAVE requires."""
        seat = self.seats.get(user_id)
        if seat is None:
            return False
        try:
            package = mls.read_key_package(key_package)
        except Malformed as error:
            log.info("DAVE: refusing a key package from %d: %s", user_id, error)
            return False
        if package.user_id != user_id:
            log.info("DAVE: key package of %d sent by %d", package.user_id, user_id)
            return False
        seat.key_package = key_package
        if seat.leaf != UNASSIGNED:
            return True  # re-added once its removal (op 31) is committed
        proposal = self._add(user_id, key_package, epoch=self.epoch)
        if self.established:
            await self._propose([proposal])
        else:
            others = [s for s in self.seats.values() if s is not seat]
            await self._send_proposals(others, [proposal])
        return True

    async def invalid(self, user_id: int, transition_id: int) -> None:
        """Op 31: the member could not process a commit or welcome; remove it (it will be added
        again from the key package it sends next)."""
        log.info("DAVE: %d could not process transition %d", user_id, transition_id)
        seat = self.seats.get(user_id)
        removal = None
        if seat is not None:
            seat.key_package = None
            if self.established and seat.leaf != UNASSIGNED:
                removal = Proposal(
                    mls.ProposalType.REMOVE,
                    user_id,
                    self.sender.remove(self.channel_id, self.epoch, seat.leaf),
                )
                seat.leaf = UNASSIGNED  # pending again: no longer sent the group's messages
        transition = self._transitions.get(transition_id)
        if transition is not None:
            transition.waiting.discard(user_id)
            await self._maybe_execute(transition)
        if seat is None:
            return
        if removal is not None:
            if self.members:
                await self._propose([removal])
            else:
                await self._sole_member_reset(seat)
                return
        if isinstance(seat.link, Listener):  # a client resets and sends a new key package
            await seat.link.prepare_epoch(1)
            await self.key_package(user_id, seat.link.key_package())

    # ------------------------------------------------------------ proposals and commits

    async def _propose(self, proposals: list[Proposal]) -> None:
        """Broadcast proposals to the established group's members."""
        self._proposals.extend(proposals)
        await self._send_proposals(self.members, proposals)

    def _add(self, user_id: int, key_package: bytes, *, epoch: int) -> Proposal:
        message = self.sender.add(self.channel_id, epoch, key_package)
        return Proposal(mls.ProposalType.ADD, user_id, message, key_package)

    async def _revoke(self, user_id: int) -> None:
        """Withdraw the proposals in flight about ``user_id`` (it left before being added):
        from the group's members, or before the group is established from each pending member
        that was sent them (DAVE "Proposal Handling": the gateway may revoke)."""
        if self.established:
            targets = [(s, self._proposals) for s in self.members]
            self._proposals = [p for p in self._proposals if p.user_id != user_id]
        else:
            targets = [(s, s.received) for s in self.seats.values()]
        recognized = self.recognized()
        for seat, sent in targets:
            revoked = [p for p in sent if p.user_id == user_id]
            if not revoked:
                continue
            if not self.established:
                seat.received = [p for p in seat.received if p.user_id != user_id]
            body = mls.proposals_revoke([mls.proposal_ref(p.message) for p in revoked])
            answer = await seat.link.proposals(body, recognized)
            seat.held_commit = answer if seat.received or self.established else None

    async def _send_proposals(self, seats: list[Seat], proposals: list[Proposal]) -> None:
        body = mls.proposals_append([p.message for p in proposals])
        recognized = self.recognized()
        for seat in seats:
            if not self.established:
                seat.received.extend(proposals)
            answer = await seat.link.proposals(body, recognized)
            if answer is not None and seat.user_id in self.seats:
                seat.held_commit = answer
        await self._simulated_commits()

    async def _simulated_commits(self) -> None:
        """Submit a simulated member's commit now if they commit first, or if no client can."""
        held = [s for s in self.seats.values() if s.held_commit is not None]
        if not held:
            return
        clients_can = any(not s.link.simulated and self._can_commit(s) for s in self.seats.values())
        if self._first_committer() == "members" or not clients_can:
            await self._submit_held()
        elif self._commit_timer is None:
            loop = asyncio.get_running_loop()
            self._commit_timer = loop.call_later(
                COMMIT_TIMEOUT, self._spawn, self._submit_held_late
            )

    async def _submit_held_late(self) -> None:
        async with self.lock:
            self._commit_timer = None
            await self._submit_held()

    async def _execute_late(self, transition: Transition) -> None:
        async with self.lock:
            await self._execute(transition)

    async def _submit_held(self) -> None:
        for seat in list(self.seats.values()):
            commit, seat.held_commit = seat.held_commit, None
            if commit is not None and await self.commit(seat.user_id, commit):
                return

    def _can_commit(self, seat: Seat) -> bool:
        if self.established:
            return seat.leaf != UNASSIGNED and bool(self._proposals)
        return bool(seat.received) and seat.key_package is not None

    async def commit(self, user_id: int, data: bytes) -> bool:
        """Op 28 (or a simulated member's commit): broadcast it if it is the first valid commit
        of the epoch; True when it was."""
        seat = self.seats.get(user_id)
        if seat is None:
            return False
        try:
            commit, commit_bytes, welcome = mls.split_commit_welcome(data)
        except Malformed as error:
            log.info("DAVE: unreadable commit from %d: %s", user_id, error)
            return False
        applied = self._proposals if self.established else seat.received
        if (
            commit.group_id != mls.group_id(self.channel_id)
            or commit.epoch != self.epoch
            or commit.sender is not mls.SenderType.MEMBER
            or commit.proposal_refs != len(applied)
            or not applied
            or (self.established and commit.leaf_index != seat.leaf)
        ):
            log.debug("DAVE: ignoring a stale or unexpected commit from %d", user_id)
            return False
        added = {p.user_id: p.key_package for p in applied if p.kind is mls.ProposalType.ADD}
        try:
            for key_package in added.values():
                mls.welcome_for(welcome, key_package)
        except Malformed as error:
            log.info("DAVE: a commit from %d comes without a usable welcome: %s", user_id, error)
            return False
        if self._commit_timer is not None:
            self._commit_timer.cancel()
            self._commit_timer = None
        self._apply(seat, applied)
        removed = frozenset(p.user_id for p in applied if p.kind is mls.ProposalType.REMOVE)
        self.history.append(
            Committed(self.channel_id, user_id, self.epoch, frozenset(added), removed)
        )
        await self._announce(commit_bytes, welcome, added)
        return True

    def _apply(self, committer: Seat, applied: list[Proposal]) -> None:
        """The gateway's view of the new tree: removes, then adds in the leftmost free leaf."""
        if not self.established:
            for seat in self.seats.values():
                seat.leaf = UNASSIGNED
            self.leaves = [committer.user_id]
            committer.leaf = 0
        for proposal in applied:
            if proposal.kind is mls.ProposalType.REMOVE:
                self.leaves = [None if u == proposal.user_id else u for u in self.leaves]
                gone = self.seats.get(proposal.user_id)
                if gone is not None:
                    gone.leaf = UNASSIGNED
        for proposal in applied:
            if proposal.kind is mls.ProposalType.ADD:
                free = next((i for i, u in enumerate(self.leaves) if u is None), len(self.leaves))
                if free == len(self.leaves):
                    self.leaves.append(None)
                self.leaves[free] = proposal.user_id
                added = self.seats.get(proposal.user_id)
                if added is not None:
                    added.leaf = free
                    added.key_package = None
        while self.leaves and self.leaves[-1] is None:
            self.leaves.pop()
        self.epoch += 1
        self._proposals = []
        for seat in self.seats.values():
            seat.received = []
            seat.held_commit = None

    async def _announce(self, commit: bytes, welcome: bytes, added: dict[int, bytes]) -> None:
        self._next_transition = self._next_transition % 0xFFFF + 1
        members = self.members
        transition = Transition(self._next_transition, {s.user_id for s in members})
        self._transitions[transition.id] = transition
        loop = asyncio.get_running_loop()
        transition.timer = loop.call_later(
            TRANSITION_TIMEOUT, self._spawn, lambda: self._execute_late(transition)
        )
        recognized = self.recognized()
        senders = {s.user_id for s in members if not s.link.simulated}
        for seat in members:
            if seat.user_id in added:
                # Discord sends each newcomer only its own part of the welcome (DAVE
                # "dave_mls_welcome (30)"): the secrets sealed for its key package.
                sent = mls.welcome_for(welcome, added[seat.user_id])
                if seat.user_id in self.spoil_welcome_for:
                    self.spoil_welcome_for.discard(seat.user_id)
                    sent = welcome[:-1] + bytes([welcome[-1] ^ 0xFF])
                ok = await seat.link.welcome(transition.id, sent, recognized)
            else:
                ok = await seat.link.announce_commit(transition.id, commit)
            if isinstance(seat.link, Listener):
                if ok:
                    seat.link.hear_from(senders)
                    self._ready_after(seat.user_id, transition)
                else:
                    await self.invalid(seat.user_id, transition.id)
        self._on_change()
        await self._maybe_execute(transition)
        await self._propose_pending()

    async def _propose_pending(self) -> None:
        """Members with a key package who are not in the group yet are proposed in the new epoch."""
        waiting = [
            self._add(s.user_id, kp, epoch=self.epoch)
            for s in self.seats.values()
            if s.leaf == UNASSIGNED and (kp := s.key_package) is not None
        ]
        if waiting and self.members:
            await self._propose(waiting)

    async def _sole_member_reset(self, seat: Seat) -> None:
        """One member left of an established group: the group starts again from nothing."""
        self.epoch = 0
        self.leaves = []
        self._proposals = []
        seat.leaf = UNASSIGNED
        seat.key_package = None
        seat.received = []
        await seat.link.prepare_epoch(1)
        await seat.link.prepare_transition(0, DAVE_VERSION)
        if isinstance(seat.link, Listener):
            await self.key_package(seat.user_id, seat.link.key_package())

    # ------------------------------------------------------------ transitions

    async def ready(self, user_id: int, transition_id: int) -> None:
        """Op 23: ``user_id`` is ready to switch keys."""
        transition = self._transitions.get(transition_id)
        if transition is None:
            return
        transition.waiting.discard(user_id)
        await self._maybe_execute(transition)

    def _ready_after(self, user_id: int, transition: Transition) -> None:
        """A simulated member says it is ready (op 23) after its client's round trip."""
        latency = self._member_latency()
        if latency <= 0:
            transition.waiting.discard(user_id)
            return

        async def ready_late() -> None:
            async with self.lock:
                await self.ready(user_id, transition.id)

        asyncio.get_running_loop().call_later(latency, self._spawn, ready_late)

    async def _maybe_execute(self, transition: Transition) -> None:
        if not transition.waiting:
            await self._execute(transition)

    async def _execute(self, transition: Transition) -> None:
        if self._transitions.pop(transition.id, None) is None:
            return
        if transition.timer is not None:
            transition.timer.cancel()
        for seat in self.members:
            await seat.link.execute_transition(transition.id)
        self._on_change()

    def _spawn(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = asyncio.get_running_loop().create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        with contextlib.suppress(asyncio.CancelledError):
            if (error := task.exception()) is not None:
                log.error("DAVE call work failed", exc_info=error)
