"""What the emulated voice server hears: RTP packets opened, Opus decoded, loudness measured.

A packet in ``aead_xchacha20_poly1305_rtpsize`` mode is the RTP header (12 bytes, plus CSRCs
and, when the X bit is set, the 4-byte extension header: all authenticated, not encrypted),
the sealed payload (extension body, then the Opus frame) and a 4-byte big-endian nonce
counter; the XChaCha20 nonce is that counter followed by 20 zero bytes.
"""

import array
import math
import struct
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.secret
from nextcord import opus

RTP_HEADER = 12
NONCE_SUFFIX = 4
OPUS_PAYLOAD_TYPE = 0x78
SAMPLE_RATE = 48_000
FULL_SCALE = 32_768.0
SILENCE_DBFS = -50.0
"""A frame quieter than this (RMS, dB below full scale) counts as silence."""

XCHACHA = "aead_xchacha20_poly1305_rtpsize"
MODES = (XCHACHA,)


class Undecodable(Exception):
    """A packet that is not RTP for a known stream, or does not open with its key."""


@dataclass(frozen=True, slots=True)
class RtpPacket:
    ssrc: int
    sequence: int
    timestamp: int
    payload_type: int
    opus_frame: bytes


def open_packet(packet: bytes, key: bytes) -> RtpPacket:
    """Authenticate and decrypt one rtpsize packet; raise Undecodable if it does not open."""
    if len(packet) < RTP_HEADER + NONCE_SUFFIX + nacl.secret.Aead.MACBYTES:
        raise Undecodable("packet too short")
    first, second, sequence, timestamp, ssrc = struct.unpack_from(">BBHII", packet)
    if first >> 6 != 2:
        raise Undecodable("not RTP version 2")
    clear = RTP_HEADER + 4 * (first & 0x0F)
    extension_words = 0
    if first & 0x10:
        (extension_words,) = struct.unpack_from(">H", packet, clear + 2)
        clear += 4
    header, sealed = packet[:clear], packet[clear:-NONCE_SUFFIX]
    nonce = packet[-NONCE_SUFFIX:] + bytes(nacl.secret.Aead.NONCE_SIZE - NONCE_SUFFIX)
    try:
        payload = nacl.secret.Aead(key).decrypt(sealed, header, nonce)
    except nacl.exceptions.CryptoError as error:
        raise Undecodable("packet does not open with the session key") from error
    return RtpPacket(
        ssrc=ssrc,
        sequence=sequence,
        timestamp=timestamp,
        payload_type=second & 0x7F,
        opus_frame=bytes(payload[4 * extension_words :]),
    )


def rms_dbfs(pcm: bytes) -> float:
    """Loudness of 16-bit PCM as RMS in dB below full scale (-inf for digital silence)."""
    samples = array.array("h", pcm)
    if not samples:
        return -math.inf
    power = math.sumprod(samples, samples) / len(samples)
    if power <= 0:
        return -math.inf
    return 10 * math.log10(power / (FULL_SCALE * FULL_SCALE))


@dataclass(slots=True)
class Heard:
    """Everything heard in one voice channel of one guild.

    In a DAVE call "heard" means decrypted by a member of the group: ``voiced_seconds`` adds up
    the E2EE frames louder than ``SILENCE_DBFS`` (in a call without DAVE, the plain ones);
    ``loudness_dbfs`` is the mean RMS of those frames. Plain frames in a DAVE call, which a DAVE
    listener drops, are only counted (``plain_*``); so are DAVE frames no member could open
    (``undecryptable``). ``first_voiced_e2ee`` says whether the first voiced frame that
    arrived was end-to-end encrypted. Times are ``time.monotonic()`` readings.
    """

    packets: int = 0
    rejected: int = 0
    seconds: float = 0.0
    voiced_seconds: float = 0.0
    peak_dbfs: float = -math.inf
    first_packet_at: float | None = None
    last_packet_at: float | None = None
    e2ee_packets: int = 0
    first_e2ee_at: float | None = None
    plain_packets: int = 0
    plain_voiced_packets: int = 0
    plain_voiced_after_transition: int = 0
    undecryptable: int = 0
    first_voiced_e2ee: bool | None = None
    _voiced_power: float = 0.0
    _voiced_frames: int = 0

    @property
    def heard_through_e2ee(self) -> bool:
        """Voice heard end to end encrypted, and no voiced plain frame once keys were set."""
        return (
            self.e2ee_packets > 0
            and self.voiced_seconds > 0
            and not self.plain_voiced_after_transition
        )

    def add_plain(self, pcm: bytes, channels: int, at: float, *, after_transition: bool) -> None:
        """A plain frame in a DAVE call: counted, not heard."""
        self.plain_packets += 1
        if rms_dbfs(pcm) > SILENCE_DBFS:
            self.plain_voiced_packets += 1
            self.plain_voiced_after_transition += after_transition
            if self.first_voiced_e2ee is None:
                self.first_voiced_e2ee = False

    @property
    def loudness_dbfs(self) -> float:
        if not self._voiced_frames:
            return -math.inf
        return 10 * math.log10(self._voiced_power / self._voiced_frames)

    def add(self, pcm: bytes, channels: int, at: float, *, e2ee: bool = False) -> None:
        """A frame heard (decrypted by a group member when ``e2ee``)."""
        self.packets += 1
        self.first_packet_at = self.first_packet_at if self.first_packet_at is not None else at
        if e2ee:
            self.e2ee_packets += 1
            self.first_e2ee_at = self.first_e2ee_at if self.first_e2ee_at is not None else at
        self.last_packet_at = at
        duration = len(pcm) / 2 / channels / SAMPLE_RATE
        self.seconds += duration
        level = rms_dbfs(pcm)
        self.peak_dbfs = max(self.peak_dbfs, level)
        if level > SILENCE_DBFS:
            if self.first_voiced_e2ee is None:
                self.first_voiced_e2ee = e2ee
            self.voiced_seconds += duration
            self._voiced_power += 10 ** (level / 10)
            self._voiced_frames += 1


@dataclass(eq=False, slots=True)
class Stream:
    """One sender's audio: its SSRC, session key and Opus decoder."""

    guild_id: int
    user_id: int
    ssrc: int
    key: bytes
    mode: str = XCHACHA
    speaking: int = 0
    decoder: opus.Decoder = field(default_factory=opus.Decoder)

    def open(self, packet: bytes) -> bytes:
        """The frame inside one packet (Opus, or DAVE-encrypted Opus); raise Undecodable."""
        rtp = open_packet(packet, self.key)
        if rtp.ssrc != self.ssrc or rtp.payload_type != OPUS_PAYLOAD_TYPE:
            raise Undecodable("not this stream's Opus")
        return rtp.opus_frame

    def decode(self, frame: bytes) -> tuple[bytes, int]:
        """Decoded PCM of one Opus frame and its channel count; raise Undecodable."""
        try:
            pcm = self.decoder.decode(frame, fec=False)
        except opus.OpusError as error:
            raise Undecodable("not an Opus frame") from error
        return pcm, opus.Decoder.packet_get_nb_channels(frame)

    def hear(self, packet: bytes) -> tuple[bytes, int]:
        """Decoded PCM of one plain packet and its channel count; raise Undecodable."""
        return self.decode(self.open(packet))
