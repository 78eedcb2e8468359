"""The voice gateway's MLS messages, checked by two independent DAVE implementations:
libdave (Discord's, through dave.py) and davey (OpenMLS-based)."""

from __future__ import annotations

import dave
import davey
import pytest

from emulator.voice.dave import mls
from emulator.voice.dave.tls_codec import Malformed, Reader, varint

CHANNEL = 1_300_000_000_000_000_001
BOT = 1_100_000_000_000_000_002
ALICE = 1_200_000_000_000_000_003


def libdave_member(user_id: int, gateway: mls.ExternalSender) -> dave.Session:
    session = dave.Session(None)
    session.init(1, CHANNEL, str(user_id), dave.SignatureKeyPair.generate(1))
    session.set_external_sender(gateway.package())
    return session


def davey_member(user_id: int, gateway: mls.ExternalSender) -> davey.DaveSession:
    session = davey.DaveSession(1, user_id, CHANNEL)
    session.set_external_sender(gateway.package())
    return session


def test_davey_commits_the_gateways_add_and_libdave_joins_from_its_welcome() -> None:
    """davey accepts the external sender and its signed Add; libdave is welcomed by davey's
    commit, and both then hold the same keys for Alice's media."""
    gateway = mls.ExternalSender()
    alice = davey_member(ALICE, gateway)
    bot = libdave_member(BOT, gateway)
    add = gateway.add(CHANNEL, 0, bot.get_marshalled_key_package())
    body = mls.proposals_append([add])
    answer = alice.process_proposals(davey.ProposalsOperationType.append, body[1:], [BOT, ALICE])
    assert answer is not None
    assert answer.welcome is not None
    commit, commit_bytes, welcome = mls.split_commit_welcome(answer.commit + answer.welcome)
    assert (commit_bytes, welcome) == (answer.commit, answer.welcome)
    assert (commit.epoch, commit.sender, commit.proposal_refs) == (0, mls.SenderType.MEMBER, 1)
    alice.process_commit(answer.commit)
    assert alice.status is davey.SessionStatus.active
    assert bot.process_welcome(answer.welcome, {str(BOT), str(ALICE)}) is not None
    encryptor = dave.Encryptor()
    encryptor.set_key_ratchet(bot.get_key_ratchet(str(BOT)))
    encryptor.assign_ssrc_to_codec(1, dave.Codec.opus)
    frame = encryptor.encrypt(dave.MediaType.audio, 1, b"\xfc" + bytes(40))
    assert frame is not None
    assert frame.endswith(b"\xfa\xfa")
    assert alice.can_passthrough(BOT) is False
    assert alice.decrypt(BOT, davey.MediaType.audio, frame) == b"\xfc" + bytes(40)


def test_davey_and_libdave_both_accept_the_gateways_remove() -> None:
    """Each accepts the gateway's signed Remove of the other's leaf and commits it."""
    gateway = mls.ExternalSender()
    bot = libdave_member(BOT, gateway)
    alice = davey_member(ALICE, gateway)
    body = mls.proposals_append([gateway.add(CHANNEL, 0, alice.get_serialized_key_package())])
    joined = bot.process_proposals(body, {str(BOT), str(ALICE)})
    assert joined is not None
    _, commit, welcome = mls.split_commit_welcome(joined)
    assert not isinstance(bot.process_commit(commit), dave.RejectType)
    alice.process_welcome(welcome)
    assert alice.epoch == 1
    remove_bot = mls.proposals_append([gateway.remove(CHANNEL, 1, 0)])
    davey_answer = alice.process_proposals(davey.ProposalsOperationType.append, remove_bot[1:])
    assert davey_answer is not None
    assert davey_answer.welcome is None
    assert mls.split_commit_welcome(davey_answer.commit)[0].proposal_refs == 1
    removal = mls.proposals_append([gateway.remove(CHANNEL, 1, 1)])
    libdave_answer = bot.process_proposals(removal, {str(BOT)})
    assert libdave_answer is not None
    framing, commit, welcome = mls.split_commit_welcome(libdave_answer)
    assert (framing.epoch, framing.proposal_refs, welcome) == (1, 1, b"")
    assert bot.process_commit(commit) == {ALICE: []}


def test_a_proposal_not_signed_by_the_announced_sender_is_refused_by_both() -> None:
    """Signed by another key, the same Add is refused by libdave and by davey."""
    announced, impostor = mls.ExternalSender(), mls.ExternalSender()
    bot = libdave_member(BOT, announced)
    alice = davey_member(ALICE, announced)
    forged = mls.proposals_append([impostor.add(CHANNEL, 0, alice.get_serialized_key_package())])
    assert bot.process_proposals(forged, {str(BOT), str(ALICE)}) is None
    with pytest.raises(Exception, match=r"(?i)signature|verif|proposal"):
        alice.process_proposals(
            davey.ProposalsOperationType.append,
            mls.proposals_append([impostor.add(CHANNEL, 0, bot.get_marshalled_key_package())])[1:],
        )


def test_a_revocation_withdraws_the_proposal_it_names() -> None:
    """The ref the gateway computes names its Add for libdave: revoking it leaves no commit."""
    gateway = mls.ExternalSender()
    bot = libdave_member(BOT, gateway)
    add = gateway.add(CHANNEL, 0, libdave_member(ALICE, gateway).get_marshalled_key_package())
    assert bot.process_proposals(mls.proposals_append([add]), {str(BOT), str(ALICE)})
    revoked = bot.process_proposals(mls.proposals_revoke([mls.proposal_ref(add)]), {str(BOT)})
    assert revoked is not None
    assert mls.split_commit_welcome(revoked)[0].proposal_refs == 0
    assert bot.process_proposals(mls.proposals_revoke([bytes(32)]), {str(BOT)}) is None


def test_key_packages_name_their_member() -> None:
    """The gateway reads whose key package it is, and refuses what is not a key package."""
    gateway = mls.ExternalSender()
    package = mls.read_key_package(libdave_member(BOT, gateway).get_marshalled_key_package())
    assert package.user_id == BOT
    assert package.lifetime == (0, 2**64 - 1)
    with pytest.raises(Malformed):
        mls.read_key_package(b"\x00\x01\x00\x02")
    with pytest.raises(Malformed):
        mls.split_commit_welcome(gateway.add(CHANNEL, 0, b""))


@pytest.mark.parametrize("n", [0, 63, 64, 16_383, 16_384, 2**30 - 1])
def test_vector_lengths_round_trip(n: int) -> None:
    """RFC 9420 variable-length integers decode to what was encoded, in their shortest form."""
    assert Reader(varint(n)).varint() == n
    assert len(varint(n)) == (1 if n < 64 else 2 if n < 16_384 else 4)


def test_each_newcomer_gets_the_part_of_the_welcome_sealed_for_it() -> None:
    """A commit adding two members: each trimmed welcome opens for its member only."""
    gateway = mls.ExternalSender()
    carol_id = 1_400_000_000_000_000_004
    bot = libdave_member(BOT, gateway)
    alice, carol = libdave_member(ALICE, gateway), libdave_member(carol_id, gateway)
    packages = {
        ALICE: alice.get_marshalled_key_package(),
        carol_id: carol.get_marshalled_key_package(),
    }
    everyone = {str(BOT), str(ALICE), str(carol_id)}
    body = mls.proposals_append([gateway.add(CHANNEL, 0, kp) for kp in packages.values()])
    answer = bot.process_proposals(body, everyone)
    assert answer is not None
    _, _, welcome = mls.split_commit_welcome(answer)
    for_alice, for_carol = (mls.welcome_for(welcome, kp) for kp in packages.values())
    assert len(for_alice) < len(welcome)
    assert carol.process_welcome(for_alice, everyone) is None
    assert alice.process_welcome(for_alice, everyone) is not None
    assert carol.process_welcome(for_carol, everyone) is not None
    with pytest.raises(Malformed):
        mls.welcome_for(welcome, bot.get_marshalled_key_package())
