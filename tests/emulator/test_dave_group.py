"""The voice gateway's DAVE call on its own: members that are libdave sessions, driven by hand."""

from __future__ import annotations

import dave

from emulator.voice.dave import mls
from emulator.voice.dave.group import Call
from emulator.voice.dave.participant import DAVE_VERSION, Listener

CHANNEL = 1_300_000_000_000_000_001
BOT, OTHER_BOT = 1_100_000_000_000_000_002, 1_100_000_000_000_000_009
ALICE = 1_200_000_000_000_000_003


class Client:
    """A connected client as the gateway sees it, its libdave session driven by the test:
    what it would send back (op 28, op 23) is kept for the test to deliver."""

    simulated = False

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.session = dave.Session(None)
        self.session.init(
            DAVE_VERSION, CHANNEL, str(user_id), dave.SignatureKeyPair.generate(DAVE_VERSION)
        )
        self.commits: list[bytes] = []
        self.ready: list[int] = []
        self.ops: list[str] = []
        self.recognized: set[int] = {user_id}

    async def clients_connect(self, user_ids: list[int]) -> None:
        self.recognized |= set(user_ids)

    async def client_disconnect(self, user_id: int) -> None:
        self.recognized.discard(user_id)

    async def external_sender(self, package: bytes) -> None:
        self.session.set_external_sender(package)

    async def proposals(self, body: bytes, recognized: set[int]) -> bytes | None:
        self.ops.append("revoke" if body[0] else "append")
        answer = self.session.process_proposals(body, {str(u) for u in self.recognized})
        if answer is not None:
            self.commits.append(answer)
        return None

    async def announce_commit(self, transition_id: int, commit: bytes) -> bool | None:
        if not isinstance(self.session.process_commit(commit), dave.RejectType):
            self.ready.append(transition_id)
        return None

    async def welcome(
        self, transition_id: int, welcome: bytes, recognized: set[int]
    ) -> bool | None:
        if self.session.process_welcome(welcome, {str(u) for u in self.recognized}) is not None:
            self.ready.append(transition_id)
        return None

    async def execute_transition(self, transition_id: int) -> None:
        self.ops.append(f"execute {transition_id}")

    async def prepare_epoch(self, epoch: int) -> None:
        self.ops.append(f"prepare epoch {epoch}")

    async def prepare_transition(self, transition_id: int, version: int) -> None:
        self.ops.append(f"prepare transition {transition_id}")


def a_call(first: str = "client") -> Call:
    return Call(
        CHANNEL,
        mls.ExternalSender(),
        first_committer=lambda: "client" if first == "client" else "members",
        on_change=lambda: None,
    )


async def test_the_first_commit_of_an_epoch_wins_and_a_late_one_is_ignored() -> None:
    """Two bots and Alice, all pending, each commit the others' Adds: the first commit is
    broadcast, the second is not, and the others are welcomed into the same transition."""
    call = a_call()
    bot, other = Client(BOT), Client(OTHER_BOT)
    for client in (bot, other):
        await call.join(client)
        assert await call.key_package(client.user_id, client.session.get_marshalled_key_package())
    await call.join(Listener(ALICE, CHANNEL))
    winner = bot.commits[-1]
    assert await call.commit(BOT, winner)
    assert not await call.commit(OTHER_BOT, other.commits[-1])
    [committed] = call.history
    assert committed.committer == BOT
    assert committed.added == {ALICE, OTHER_BOT}
    assert call.epoch == 1
    assert bot.ready == other.ready == [1]
    assert {s.user_id for s in call.members} == {BOT, OTHER_BOT, ALICE}
    call.close()


async def test_a_pending_member_leaving_has_its_add_revoked() -> None:
    """Alice leaves before anyone committed her Add: the bot is sent a revocation that its
    libdave session accepts, and no commit adding her can be broadcast any more."""
    call = a_call()
    bot = Client(BOT)
    await call.join(bot)
    assert await call.key_package(BOT, bot.session.get_marshalled_key_package())
    await call.join(Listener(ALICE, CHANNEL))
    adding_alice = bot.commits[-1]
    await call.leave(ALICE)
    assert bot.ops == ["append", "revoke"]
    assert mls.split_commit_welcome(bot.commits[-1])[0].proposal_refs == 0
    assert not await call.commit(BOT, adding_alice)
    assert not call.established
    call.close()


async def test_the_sole_member_is_reset_and_a_newcomer_forms_a_new_group() -> None:
    """Alice leaves the bot alone: op 24 (epoch 1) and op 21 (transition 0), the call is
    unestablished; Alice back forms a new group at epoch 1."""
    call = a_call(first="members")
    bot = Client(BOT)
    await call.join(Listener(ALICE, CHANNEL))
    await call.join(bot)
    assert await call.key_package(BOT, bot.session.get_marshalled_key_package())
    assert call.epoch == 1
    await call.leave(ALICE)
    assert bot.ops[-2:] == ["prepare epoch 1", "prepare transition 0"]
    assert (call.epoch, call.members) == (0, [])
    bot.session.init(DAVE_VERSION, CHANNEL, str(BOT), dave.SignatureKeyPair.generate(1))
    assert await call.key_package(BOT, bot.session.get_marshalled_key_package())
    await call.join(Listener(ALICE, CHANNEL))
    assert call.epoch == 1
    assert call.history[-1].added == {BOT}
    assert {s.user_id for s in call.members} == {BOT, ALICE}
    call.close()
