"""The voice side of the emulated Discord: the voice gateway, UDP IP discovery and RTP reception.

When the bot asks to join a channel (main gateway op 4), the emulator grants a voice token and
sends VOICE_SERVER_UPDATE pointing here. The bot then opens the voice gateway (``wss://``, see
``emulator.tls``): HELLO, IDENTIFY -> READY (ssrc, ip, port, modes), UDP IP discovery,
SELECT_PROTOCOL -> SESSION_DESCRIPTION (mode, secret key, ``dave_protocol_version`` 0),
SPEAKING and heartbeats. Audio arrives over UDP; each packet is authenticated, decrypted, its
Opus decoded, and its loudness added to what was heard in the channel the sender is in then
(``heard``), which is what tests read.
"""

import asyncio
import json
import logging
import secrets
import struct
import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from aiohttp import WSMsgType, web

from emulator.hearing import MODES, Heard, Stream, Undecodable
from emulator.jsontypes import JSONObject, JSONValue, as_object
from emulator.permissions import Permission, allows
from emulator.state import World
from emulator.tls import Certificate, self_signed
from emulator.watch import Changes

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 13_750
DISCOVERY_REQUEST = 1
DISCOVERY_RESPONSE = 2
DISCOVERY_LENGTH = 70
DISCOVERY_PACKET = struct.Struct(">HHI64sH")


class VoiceServer(Protocol):
    """Where bots are told to open their voice connection."""

    def server_update(self, guild_id: int, session_id: str) -> JSONObject:
        """The VOICE_SERVER_UPDATE payload (``token``, ``guild_id``, ``endpoint``)."""
        ...

    def left(self, guild_id: int, user_id: int) -> None:
        """The bot's voice state in ``guild_id`` went to none."""
        ...


class VoiceOp(IntEnum):
    IDENTIFY = 0
    SELECT_PROTOCOL = 1
    READY = 2
    HEARTBEAT = 3
    SESSION_DESCRIPTION = 4
    SPEAKING = 5
    HEARTBEAT_ACK = 6
    RESUME = 7
    HELLO = 8
    CLIENTS_CONNECT = 11
    CLIENT_DISCONNECT = 13
    DAVE_TRANSITION_READY = 23
    DAVE_MLS_INVALID_COMMIT_WELCOME = 31


class Close(IntEnum):
    """The voice gateway's close codes the emulator uses."""

    UNKNOWN_OPCODE = 4001
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    SESSION_INVALID = 4006
    UNKNOWN_PROTOCOL = 4012
    UNKNOWN_ENCRYPTION_MODE = 4016


@dataclass(frozen=True, slots=True)
class Grant:
    """A voice token handed out in VOICE_SERVER_UPDATE, for one gateway session in one guild."""

    token: str
    guild_id: int
    session_id: str


@dataclass(eq=False, slots=True)
class VoiceConnection:
    """One voice gateway socket and, once identified, who it is."""

    ws: web.WebSocketResponse
    guild_id: int = 0
    user_id: int = 0
    ssrc: int = 0
    address: tuple[str, int] | None = None
    stream: Stream | None = None


def _frame(op: VoiceOp, data: JSONValue) -> str:
    return json.dumps({"op": op, "d": data})


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, voice: "EmulatedVoice") -> None:
        self.voice = voice
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.voice.datagram(data, (str(addr[0]), int(addr[1])))


class EmulatedVoice:
    """The voice gateway (TLS WebSocket) and the UDP media port of the emulated Discord."""

    def __init__(self, world: World, changes: Changes, *, host: str = "127.0.0.1") -> None:
        self.world = world
        self.host = host
        self.identify_count = 0
        self.rejected_packets = 0
        self._changes = changes
        self._grants: dict[int, Grant] = {}
        self._connections: set[VoiceConnection] = set()
        self._streams: dict[int, Stream] = {}
        self._heard: dict[tuple[int, int], Heard] = {}
        self._next_ssrc = 1000
        self._certificate: Certificate | None = None
        self._runner: web.AppRunner | None = None
        self._udp: _Datagrams | None = None
        self._ws_port = 0
        self._udp_port = 0

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Make the certificate, then bind the voice gateway and the UDP port (both port 0)."""
        self._certificate = await self_signed(self.host)
        app = web.Application()
        app.router.add_get("/", self.handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0, ssl_context=self._certificate.server_context())
        await site.start()
        self._runner = runner
        self._ws_port = int(runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self), local_addr=(self.host, 0)
        )
        self._udp = protocol
        self._udp_port = int(transport.get_extra_info("sockname")[1])
        log.info("emulated voice on wss://%s (udp %d)", self.endpoint, self._udp_port)

    async def close(self) -> None:
        for connection in list(self._connections):
            await connection.ws.close(code=1001, message=b"Emulator shutting down.")
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._certificate is not None:
            self._certificate.remove()

    # ------------------------------------------------------------------ facts

    @property
    def endpoint(self) -> str:
        """``host:port`` of the voice gateway, as VOICE_SERVER_UPDATE gives it."""
        return f"{self.host}:{self._ws_port}"

    @property
    def udp_port(self) -> int:
        return self._udp_port

    @property
    def certificate(self) -> Certificate:
        """The certificate a client must trust (``client_context()``, ``cert_file``)."""
        if self._certificate is None:
            raise RuntimeError("the voice server is not started")
        return self._certificate

    @property
    def connections(self) -> int:
        """Voice gateway sockets open right now."""
        return len(self._connections)

    def heard(self, guild_id: int, channel_id: int) -> Heard:
        """What was heard in one channel so far (nothing yet: an empty record)."""
        return self._heard.get((guild_id, channel_id)) or Heard()

    def speaking(self, guild_id: int, user_id: int) -> int:
        """The SPEAKING flags ``user_id`` last announced in ``guild_id`` (0 when not connected)."""
        return next(
            (
                s.speaking
                for s in self._streams.values()
                if s.guild_id == guild_id and s.user_id == user_id
            ),
            0,
        )

    # ------------------------------------------------------ main gateway side

    def server_update(self, guild_id: int, session_id: str) -> JSONObject:
        """Grant a voice token to ``session_id`` for ``guild_id``."""
        grant = Grant(token=secrets.token_hex(8), guild_id=guild_id, session_id=session_id)
        self._grants[guild_id] = grant
        return {"token": grant.token, "guild_id": str(guild_id), "endpoint": self.endpoint}

    def left(self, guild_id: int, user_id: int) -> None:
        """The bot left voice in ``guild_id``: its token is spent."""
        self._grants.pop(guild_id, None)

    # ------------------------------------------------------------ voice gateway

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The voice WebSocket (``GET /?v=8``)."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = VoiceConnection(ws)
        self._connections.add(connection)
        try:
            await ws.send_str(_frame(VoiceOp.HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}))
            async for message in ws:
                if message.type is WSMsgType.BINARY:
                    continue  # DAVE MLS messages: nothing to negotiate at protocol version 0
                if message.type is not WSMsgType.TEXT:
                    continue
                if not await self._receive(connection, message.data):
                    break
        finally:
            self._connections.discard(connection)
            if connection.stream is not None:
                self._streams.pop(connection.stream.ssrc, None)
            await ws.close()
            self._changes.touch()
        return ws

    async def _receive(self, connection: VoiceConnection, text: str) -> bool:
        try:
            frame = as_object(json.loads(text))
            raw_op = frame.get("op")
            op = VoiceOp(raw_op if isinstance(raw_op, int) else -1)
            data = as_object(frame.get("d") or {})
        except ValueError:
            return await self._refuse(connection, Close.UNKNOWN_OPCODE, "Unknown opcode.")
        if op is not VoiceOp.IDENTIFY and not connection.user_id:
            return await self._refuse(connection, Close.NOT_AUTHENTICATED, "Not authenticated.")
        match op:
            case VoiceOp.IDENTIFY:
                return await self._identify(connection, data)
            case VoiceOp.SELECT_PROTOCOL:
                return await self._select_protocol(connection, data)
            case VoiceOp.HEARTBEAT:
                await connection.ws.send_str(_frame(VoiceOp.HEARTBEAT_ACK, {"t": data.get("t")}))
            case VoiceOp.SPEAKING:
                if connection.stream is not None:
                    flags = data.get("speaking")
                    connection.stream.speaking = flags if isinstance(flags, int) else 0
                    self._changes.touch()
            case VoiceOp.RESUME:
                return await self._refuse(connection, Close.SESSION_INVALID, "Session invalid.")
            case VoiceOp.DAVE_TRANSITION_READY | VoiceOp.DAVE_MLS_INVALID_COMMIT_WELCOME:
                pass
            case _:
                return await self._refuse(connection, Close.UNKNOWN_OPCODE, "Unknown opcode.")
        return True

    async def _identify(self, connection: VoiceConnection, data: JSONObject) -> bool:
        if connection.user_id:
            return await self._refuse(
                connection, Close.ALREADY_AUTHENTICATED, "Already authenticated."
            )
        try:
            guild_id = int(str(data.get("server_id")))
            user_id = int(str(data.get("user_id")))
        except ValueError:
            guild_id = user_id = 0
        grant = self._grants.get(guild_id)
        guild = self.world.guilds.get(guild_id)
        state = guild.voice_states.get(user_id) if guild is not None else None
        if (
            grant is None
            or state is None
            or data.get("token") != grant.token
            or data.get("session_id") != grant.session_id
            or state.session_id != grant.session_id
        ):
            return await self._refuse(
                connection, Close.AUTHENTICATION_FAILED, "Authentication failed."
            )
        self.identify_count += 1
        self._next_ssrc += 1
        connection.guild_id, connection.user_id = guild_id, user_id
        connection.ssrc = self._next_ssrc
        await connection.ws.send_str(
            _frame(
                VoiceOp.READY,
                {
                    "ssrc": connection.ssrc,
                    "ip": self.host,
                    "port": self._udp_port,
                    "modes": list(MODES),
                    "heartbeat_interval": HEARTBEAT_INTERVAL_MS,
                },
            )
        )
        self._changes.touch()
        return True

    async def _select_protocol(self, connection: VoiceConnection, data: JSONObject) -> bool:
        if data.get("protocol") != "udp":
            return await self._refuse(connection, Close.UNKNOWN_PROTOCOL, "Unknown protocol.")
        details = as_object(data.get("data") or {})
        mode = details.get("mode")
        if mode not in MODES:
            return await self._refuse(
                connection, Close.UNKNOWN_ENCRYPTION_MODE, "Unknown encryption mode."
            )
        address, port = details.get("address"), details.get("port")
        if not isinstance(address, str) or not isinstance(port, int):
            return await self._refuse(connection, Close.UNKNOWN_PROTOCOL, "Bad address.")
        key = secrets.token_bytes(32)
        stream = Stream(
            guild_id=connection.guild_id,
            user_id=connection.user_id,
            ssrc=connection.ssrc,
            key=key,
            mode=str(mode),
        )
        connection.address = (address, port)
        connection.stream = stream
        self._streams[stream.ssrc] = stream
        await connection.ws.send_str(
            _frame(
                VoiceOp.SESSION_DESCRIPTION,
                {"mode": mode, "secret_key": list(key), "dave_protocol_version": 0},
            )
        )
        self._changes.touch()
        return True

    async def _refuse(self, connection: VoiceConnection, code: Close, reason: str) -> bool:
        log.info("voice gateway closing a socket: %d %s", code, reason)
        await connection.ws.close(code=code, message=reason.encode())
        return False

    # -------------------------------------------------------------------- UDP

    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """One UDP packet: an IP discovery request, or RTP audio."""
        if len(data) == DISCOVERY_PACKET.size and data[:2] == b"\x00\x01":
            self._discover(data, addr)
            return
        if len(data) < 12:
            self.rejected_packets += 1
            return
        (ssrc,) = struct.unpack_from(">I", data, 8)
        stream = self._streams.get(ssrc)
        if stream is None or not self._sent_by(stream, addr):
            self.rejected_packets += 1
            return
        try:
            pcm, channels = stream.hear(data)
        except Undecodable as error:
            log.debug("voice packet rejected: %s", error)
            self.rejected_packets += 1
            return
        guild = self.world.guilds.get(stream.guild_id)
        state = guild.voice_states.get(stream.user_id) if guild is not None else None
        if state is None:
            self.rejected_packets += 1  # audio from someone not in a channel reaches nobody
            return
        speaks = self.world.channel_permissions(state.channel_id, stream.user_id)
        if not allows(speaks, Permission.SPEAK):
            self.rejected_packets += 1  # Discord forwards no audio from a member without Speak
            return
        key = (stream.guild_id, state.channel_id)
        self._heard.setdefault(key, Heard()).add(pcm, channels, time.monotonic())
        self._changes.touch()

    def _sent_by(self, stream: Stream, addr: tuple[str, int]) -> bool:
        return any(c.stream is stream and c.address == addr for c in self._connections)

    def _discover(self, data: bytes, addr: tuple[str, int]) -> None:
        kind, length, ssrc, _, _ = DISCOVERY_PACKET.unpack(data)
        known = any(c.ssrc == ssrc for c in self._connections)
        if kind != DISCOVERY_REQUEST or length != DISCOVERY_LENGTH or not known:
            self.rejected_packets += 1
            return
        answer = DISCOVERY_PACKET.pack(
            DISCOVERY_RESPONSE, DISCOVERY_LENGTH, ssrc, addr[0].encode("ascii"), addr[1]
        )
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.sendto(answer, addr)
