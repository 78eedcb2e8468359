"""The MLS messages the voice gateway signs or reads (RFC 9420), for DAVE protocol version 1.

DAVE v1 uses MLS 1.0 with ciphersuite 2, MLS_128_DHKEMP256_AES128GCM_SHA256_P256, basic
credentials whose identity is the user id as a big-endian 64-bit integer, and the gateway as the
one external sender (DAVE protocol description, "MLS Parameters", "Key Packages"). The gateway
signs external Add and Remove proposals (RFC 9420 sections 6 and 12.1.8) and reads, without
keys, the public parts of key packages and commits: whose key package it is, and where a commit
ends and its Welcome begins in opcode 28.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from emulator.voice.dave.tls_codec import Malformed, Reader, opaque, u8, u16, u32, u64

MLS_10 = 1
CIPHERSUITE_P256 = 2
BASIC_CREDENTIAL = 1
GATEWAY_IDENTITY = b"squadtime emulated voice gateway"
"""The external sender's basic credential; DAVE gives it no meaning beyond being its own."""


class WireFormat(IntEnum):
    PUBLIC_MESSAGE = 1
    WELCOME = 3


class SenderType(IntEnum):
    MEMBER = 1
    EXTERNAL = 2
    NEW_MEMBER_PROPOSAL = 3
    NEW_MEMBER_COMMIT = 4


class ContentType(IntEnum):
    APPLICATION = 1
    PROPOSAL = 2
    COMMIT = 3


class ProposalType(IntEnum):
    ADD = 1
    REMOVE = 3


class LeafNodeSource(IntEnum):
    KEY_PACKAGE = 1
    UPDATE = 2
    COMMIT = 3


def identity(user_id: int) -> bytes:
    """A member's basic credential identity: the snowflake, big-endian, 8 bytes."""
    return user_id.to_bytes(8, "big")


def group_id(channel_id: int) -> bytes:
    """The MLS group id of a voice channel's call: the channel id, big-endian (libdave)."""
    return channel_id.to_bytes(8, "big")


class ExternalSender:
    """The voice gateway's signing identity: a P-256 key and a basic credential."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key(self) -> bytes:
        """The signature public key as MLS carries it: an uncompressed SEC1 point."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def package(self) -> bytes:
        """Opcode 25's body: ``ExternalSender { SignaturePublicKey; Credential }``."""
        return opaque(self.public_key) + u16(BASIC_CREDENTIAL) + opaque(GATEWAY_IDENTITY)

    def sign_with_label(self, label: bytes, content: bytes) -> bytes:
        """RFC 9420 section 5.1.2: ECDSA, DER-encoded, over
        ``SignContent { "MLS 1.0 " label; content }``."""
        sign_content = opaque(b"MLS 1.0 " + label) + opaque(content)
        return self._key.sign(sign_content, ec.ECDSA(hashes.SHA256()))

    def add(self, channel_id: int, epoch: int, key_package: bytes) -> bytes:
        """An external Add proposal for ``key_package`` (marshalled as a member sent it)."""
        return self._proposal(channel_id, epoch, u16(ProposalType.ADD) + key_package)

    def remove(self, channel_id: int, epoch: int, leaf_index: int) -> bytes:
        """An external Remove proposal for the member at ``leaf_index``."""
        return self._proposal(channel_id, epoch, u16(ProposalType.REMOVE) + u32(leaf_index))

    def _proposal(self, channel_id: int, epoch: int, proposal: bytes) -> bytes:
        # FramedContent (RFC 9420 section 6): group, epoch, sender (external, index 0: the
        # group's first and only external sender), no authenticated data, a proposal.
        content = (
            opaque(group_id(channel_id))
            + u64(epoch)
            + u8(SenderType.EXTERNAL)
            + u32(0)
            + opaque(b"")
            + u8(ContentType.PROPOSAL)
            + proposal
        )
        framing = u16(MLS_10) + u16(WireFormat.PUBLIC_MESSAGE)
        # FramedContentTBS carries no GroupContext for an external sender (section 6.1), and
        # FramedContentAuthData has no confirmation tag for a proposal, PublicMessage no
        # membership tag for an external sender (section 6.2).
        signature = self.sign_with_label(b"FramedContentTBS", framing + content)
        return framing + content + opaque(signature)


def proposals_append(messages: list[bytes]) -> bytes:
    """Opcode 27's body: ``append (0)`` and the MLSMessage vector (DAVE "dave_mls_proposals")."""
    return u8(0) + opaque(b"".join(messages))


def proposals_revoke(refs: list[bytes]) -> bytes:
    """Opcode 27's body: ``revoke (1)`` and the ProposalRef vector."""
    return u8(1) + opaque(b"".join(opaque(ref) for ref in refs))


def proposal_ref(message: bytes) -> bytes:
    """RFC 9420 section 5.2: ``RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)``;
    a PublicMessage proposal from an external sender is its AuthenticatedContent once the
    leading protocol version is taken off."""
    value = message[2:]
    return hashlib.sha256(opaque(b"MLS 1.0 Proposal Reference") + opaque(value)).digest()


@dataclass(frozen=True, slots=True)
class KeyPackage:
    """What the gateway checks in a member's key package before proposing to add it."""

    user_id: int
    lifetime: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Commit:
    """The public framing of a commit: enough to pick the winner of an epoch."""

    group_id: bytes
    epoch: int
    sender: SenderType
    leaf_index: int
    proposal_refs: int


def read_key_package(data: bytes) -> KeyPackage:
    """Parse a marshalled KeyPackage (RFC 9420 section 10); raise Malformed."""
    reader = Reader(data)
    version, suite = reader.uint(2), reader.uint(2)
    if version != MLS_10 or suite != CIPHERSUITE_P256:
        raise Malformed("not an MLS 1.0 P-256 key package")
    reader.opaque()  # init_key
    user_id, lifetime = _leaf_node(reader)
    reader.opaque()  # extensions
    reader.opaque()  # signature
    if not reader.done:
        raise Malformed("trailing bytes after the key package")
    return KeyPackage(user_id=user_id, lifetime=lifetime)


def split_commit_welcome(data: bytes) -> tuple[Commit, bytes, bytes]:
    """Opcode 28's body -> the commit's framing, the commit's bytes and the Welcome's (maybe
    empty); raise Malformed."""
    reader = Reader(data)
    if reader.uint(2) != MLS_10 or reader.uint(2) != WireFormat.PUBLIC_MESSAGE:
        raise Malformed("a commit must be an MLS 1.0 PublicMessage")
    group = reader.opaque()
    epoch = reader.uint(8)
    sender = SenderType(_checked(reader.uint(1), SenderType))
    leaf_index = reader.uint(4) if sender in (SenderType.MEMBER, SenderType.EXTERNAL) else 0
    reader.opaque()  # authenticated_data
    if reader.uint(1) != ContentType.COMMIT:
        raise Malformed("opcode 28 must start with a commit")
    refs = 0
    proposals = reader.vector()
    while not proposals.done:
        kind = proposals.uint(1)
        if kind == 2:  # ProposalOrRef.reference
            proposals.opaque()
            refs += 1
        else:
            raise Malformed("a DAVE commit holds proposal references only")
    if reader.uint(1):  # optional<UpdatePath>
        _leaf_node(reader)
        reader.opaque()  # UpdatePathNode nodes<V>
    reader.opaque()  # signature
    reader.opaque()  # confirmation_tag
    if sender is SenderType.MEMBER:
        reader.opaque()  # membership_tag
    commit = Commit(group, epoch, sender, leaf_index, refs)
    welcome = data[reader.offset :]
    if welcome:
        _check_welcome(welcome)
    return commit, data[: reader.offset], welcome


def key_package_ref(key_package: bytes) -> bytes:
    """RFC 9420 section 5.2: ``RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)``."""
    label = b"MLS 1.0 KeyPackage Reference"
    return hashlib.sha256(opaque(label) + opaque(key_package)).digest()


def welcome_for(welcome: bytes, key_package: bytes) -> bytes:
    """The Welcome with only the group secrets sealed for ``key_package`` (RFC 9420 section
    12.4.3.1: ``EncryptedGroupSecrets { KeyPackageRef new_member; HPKECiphertext }``);
    raise Malformed if none is."""
    reader = Reader(welcome)
    suite = reader.take(2)
    secrets = reader.vector()
    wanted = key_package_ref(key_package)
    mine = b""
    while not secrets.done:
        start = secrets.offset
        new_member = secrets.opaque()
        secrets.opaque()  # kem_output
        secrets.opaque()  # ciphertext
        if new_member == wanted:
            mine = secrets.data[start : secrets.offset]
    if not mine:
        raise Malformed("the Welcome holds no secrets for this key package")
    return suite + opaque(mine) + welcome[reader.offset :]


def _check_welcome(data: bytes) -> None:
    reader = Reader(data)
    if reader.uint(2) != CIPHERSUITE_P256:
        raise Malformed("the Welcome is not for ciphersuite 2")
    reader.opaque()  # secrets
    reader.opaque()  # encrypted_group_info
    if not reader.done:
        raise Malformed("trailing bytes after the Welcome")


def _checked(value: int, kind: type[IntEnum]) -> int:
    if value not in {member.value for member in kind}:
        raise Malformed(f"unknown {kind.__name__} {value}")
    return value


def _leaf_node(reader: Reader) -> tuple[int, tuple[int, int] | None]:
    """Skip a LeafNode (RFC 9420 section 7.2); its basic credential's user id and lifetime."""
    reader.opaque()  # encryption_key
    reader.opaque()  # signature_key
    if reader.uint(2) != BASIC_CREDENTIAL:
        raise Malformed("DAVE allows basic credentials only")
    raw_identity = reader.opaque()
    if len(raw_identity) != 8:
        raise Malformed("a DAVE identity is a 64-bit user id")
    for _ in range(5):  # capabilities: versions, cipher_suites, extensions, proposals, credentials
        reader.opaque()
    lifetime = None
    source = reader.uint(1)
    if source == LeafNodeSource.KEY_PACKAGE:
        lifetime = (reader.uint(8), reader.uint(8))
    elif source == LeafNodeSource.COMMIT:
        reader.opaque()  # parent_hash
    elif source != LeafNodeSource.UPDATE:
        raise Malformed("unknown leaf node source")
    reader.opaque()  # extensions
    reader.opaque()  # signature
    return int.from_bytes(raw_identity, "big"), lifetime
