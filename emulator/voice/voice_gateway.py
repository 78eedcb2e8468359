"""The voice side of the emulated Discord: the voice gateway, UDP IP discovery and RTP reception.

When the bot asks to join a channel (main gateway op 4), the emulator grants a voice token and
sends VOICE_SERVER_UPDATE pointing here. The bot then opens the voice gateway (``wss://``, see
``emulator.voice.certificate``): HELLO, IDENTIFY -> READY (ssrc, ip, port, modes), UDP IP discovery,
SELECT_PROTOCOL -> SESSION_DESCRIPTION (mode, secret key, ``dave_protocol_version``),
SPEAKING and heartbeats.

Since March 2026 Discord closes a voice connection whose IDENTIFY offers no DAVE with 4017
(Discord's change log, "Deprecating Non-E2EE Voice Calls"; the voice close codes in
discord-api-docs), and so does this server while ``dave_version`` is 1, its default. With DAVE
the channel's call runs the MLS handshake (``emulator.voice.dave.group``): the server is the
external sender and the humans in the channel are simulated group members
(``emulator.voice.dave.participant``). Audio arrives over UDP; each packet is authenticated and
transport-decrypted, a DAVE frame is opened by a member of the group with its key for the sender,
its Opus decoded, and its loudness added to what was heard in the channel the sender is in then
(``heard``), which tests read. Plain frames in a DAVE call are counted apart: a DAVE listener drops
them.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import struct
import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from aiohttp import WSMsgType, web

from emulator.rules.jsontypes import JSONObject, JSONValue, as_object
from emulator.rules.permissions import Permission, allows
from emulator.rules.state import World
from emulator.rules.watch import Changes
from emulator.voice.certificate import Certificate, self_signed
from emulator.voice.dave import mls
from emulator.voice.dave.group import Call, Committed, Committer
from emulator.voice.dave.participant import DAVE_VERSION, Listener, is_dave_frame
from emulator.voice.hearing import MODES, Heard, Stream, Undecodable

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
    # DAVE (the DAVE protocol description, "Voice Gateway Opcodes"; nextcord 3.2 gateway.py)
    DAVE_PREPARE_TRANSITION = 21
    DAVE_EXECUTE_TRANSITION = 22
    DAVE_TRANSITION_READY = 23
    DAVE_PREPARE_EPOCH = 24
    DAVE_MLS_EXTERNAL_SENDER = 25
    DAVE_MLS_KEY_PACKAGE = 26
    DAVE_MLS_PROPOSALS = 27
    DAVE_MLS_COMMIT_WELCOME = 28
    DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION = 29
    DAVE_MLS_WELCOME = 30
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
    DAVE_REQUIRED = 4017
    """"E2EE/DAVE protocol required" (discord-api-docs, voice close event codes)."""
    BAD_REQUEST = 4020
    RATE_LIMITED = 4021
    CALL_TERMINATED = 4022


@dataclass(frozen=True, slots=True)
class Grant:
    """A voice token handed out in VOICE_SERVER_UPDATE, for one gateway session in one guild."""

    token: str
    guild_id: int
    session_id: str


@dataclass(eq=False, slots=True)
class VoiceConnection:
    """One voice gateway socket and, once identified, who it is.

    With DAVE it is also the ``Link`` through which its call reaches the client: binary
    server frames are ``u16 sequence, u8 opcode, payload`` (DAVE "Voice Gateway Opcodes").
    """

    ws: web.WebSocketResponse
    guild_id: int = 0
    user_id: int = 0
    ssrc: int = 0
    address: tuple[str, int] | None = None
    stream: Stream | None = None
    dave: bool = False
    call: Call | None = None
    sent_ops: list[int] = field(default_factory=list)
    """Opcodes sent to this client, in order."""
    executed: int = 0
    """Transitions this client was told to execute (op 22): from the first on it encrypts."""
    seq: int = 0

    @property
    def simulated(self) -> bool:
        return False

    async def send(self, op: VoiceOp, data: JSONValue) -> None:
        self.seq = (self.seq + 1) & 0xFFFF
        self.sent_ops.append(op)
        with contextlib.suppress(ConnectionResetError):
            await self.ws.send_str(json.dumps({"op": op, "d": data, "seq": self.seq}))

    async def send_binary(self, op: VoiceOp, payload: bytes) -> None:
        self.seq = (self.seq + 1) & 0xFFFF
        self.sent_ops.append(op)
        with contextlib.suppress(ConnectionResetError):
            await self.ws.send_bytes(struct.pack(">HB", self.seq, op) + payload)

    async def clients_connect(self, user_ids: list[int]) -> None:
        await self.send(VoiceOp.CLIENTS_CONNECT, {"user_ids": [str(u) for u in user_ids]})

    async def client_disconnect(self, user_id: int) -> None:
        await self.send(VoiceOp.CLIENT_DISCONNECT, {"user_id": str(user_id)})

    async def external_sender(self, package: bytes) -> None:
        await self.send_binary(VoiceOp.DAVE_MLS_EXTERNAL_SENDER, package)

    async def proposals(self, body: bytes, recognized: set[int]) -> bytes | None:
        await self.send_binary(VoiceOp.DAVE_MLS_PROPOSALS, body)
        return None

    async def announce_commit(self, transition_id: int, commit: bytes) -> bool | None:
        payload = struct.pack(">H", transition_id) + commit
        await self.send_binary(VoiceOp.DAVE_MLS_ANNOUNCE_COMMIT_TRANSITION, payload)
        return None

    async def welcome(
        self, transition_id: int, welcome: bytes, recognized: set[int]
    ) -> bool | None:
        await self.send_binary(VoiceOp.DAVE_MLS_WELCOME, struct.pack(">H", transition_id) + welcome)
        return None

    async def execute_transition(self, transition_id: int) -> None:
        self.executed += 1
        await self.send(VoiceOp.DAVE_EXECUTE_TRANSITION, {"transition_id": transition_id})

    async def prepare_epoch(self, epoch: int) -> None:
        await self.send(
            VoiceOp.DAVE_PREPARE_EPOCH, {"epoch": epoch, "protocol_version": DAVE_VERSION}
        )

    async def prepare_transition(self, transition_id: int, version: int) -> None:
        await self.send(
            VoiceOp.DAVE_PREPARE_TRANSITION,
            {"transition_id": transition_id, "protocol_version": version},
        )


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
        self.last_identify_at: float | None = None
        """``time.monotonic()`` of the last IDENTIFY accepted or refused."""
        self.rejected_packets = 0
        self.dave_version = DAVE_VERSION
        """1: DAVE required, as on Discord since March 2026; 0: the old transport-only calls."""
        self.first_committer: Committer = "client"
        """Whose commit wins an epoch's race: a connected client's or a simulated member's."""
        self.member_latency = 0.0
        """Seconds a simulated member's client takes to say it is ready for a transition
        (a real client's round trip; 0 here unless a test wants Discord's pace)."""
        self.refuse_identify_with: int | None = None
        """A close code to answer the next IDENTIFY with (4021: Discord rate-limits voice)."""
        self.commits: list[Committed] = []
        """Every DAVE commit broadcast, in every channel, oldest first."""
        self.closed_with: list[int] = []
        """Close codes this server sent, in order."""
        self.external_sender = mls.ExternalSender()
        self._calls: dict[tuple[int, int], Call] = {}
        self._pending_spoils: set[tuple[int, int, int]] = set()
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

    def call(self, guild_id: int, channel_id: int) -> Call | None:
        """The DAVE call in a channel while a client is connected to it."""
        return self._calls.get((guild_id, channel_id))

    def encrypting(self, guild_id: int, user_id: int) -> bool:
        """Whether ``user_id``'s connection was told to execute a DAVE transition (op 22)."""
        return any(
            c.executed > 0
            for c in self._connections
            if (c.guild_id, c.user_id) == (guild_id, user_id)
        )

    def ops_sent(self, guild_id: int, user_id: int) -> list[int]:
        """Opcodes sent so far to ``user_id``'s open connection in ``guild_id``."""
        return [
            op
            for c in self._connections
            if (c.guild_id, c.user_id) == (guild_id, user_id)
            for op in c.sent_ops
        ]

    async def disconnect(self, guild_id: int, user_id: int, code: int) -> None:
        """Close ``user_id``'s voice connection with ``code`` (4022: the call is terminated)."""
        for connection in list(self._connections):
            if (connection.guild_id, connection.user_id) == (guild_id, user_id):
                await self._refuse(connection, Close(code), "Disconnected.")

    def spoil_next_welcome(self, guild_id: int, channel_id: int, user_id: int) -> None:
        """Corrupt the next welcome sent to ``user_id`` in that channel (to provoke op 31)."""
        self._pending_spoils.add((guild_id, channel_id, user_id))

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
                    if not await self._receive_binary(connection, message.data):
                        break
                    continue
                if message.type is not WSMsgType.TEXT:
                    continue
                if not await self._receive(connection, message.data):
                    break
        finally:
            self._connections.discard(connection)
            if connection.stream is not None:
                self._streams.pop(connection.stream.ssrc, None)
            await ws.close()
            await self._leave_call(connection)
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
                transition = data.get("transition_id")
                call = connection.call
                if call is not None and isinstance(transition, int):
                    async with call.lock:
                        if op is VoiceOp.DAVE_TRANSITION_READY:
                            await call.ready(connection.user_id, transition)
                        else:
                            await call.invalid(connection.user_id, transition)
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
        self.last_identify_at = time.monotonic()
        if self.refuse_identify_with is not None:
            code, self.refuse_identify_with = self.refuse_identify_with, None
            return await self._refuse(connection, Close(code), "Refused.")
        offered = data.get("max_dave_protocol_version")
        offered = offered if isinstance(offered, int) and not isinstance(offered, bool) else 0
        if self.dave_version and offered < self.dave_version:
            return await self._refuse(
                connection, Close.DAVE_REQUIRED, "E2EE/DAVE protocol required."
            )
        connection.dave = bool(self.dave_version)
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
        version = DAVE_VERSION if connection.dave else 0
        await connection.send(
            VoiceOp.SESSION_DESCRIPTION,
            {"mode": mode, "secret_key": list(key), "dave_protocol_version": version},
        )
        if connection.dave:
            await self._join_call(connection)
        self._changes.touch()
        return True

    async def _refuse(self, connection: VoiceConnection, code: Close, reason: str) -> bool:
        log.info("voice gateway closing a socket: %d %s", code, reason)
        self.closed_with.append(code)
        await connection.ws.close(code=code, message=reason.encode())
        return False

    # ------------------------------------------------------------------- DAVE

    async def _receive_binary(self, connection: VoiceConnection, data: bytes) -> bool:
        """Client binary frames are ``u8 opcode, payload`` (nextcord 3.2 gateway.py)."""
        if not connection.user_id:
            return await self._refuse(connection, Close.NOT_AUTHENTICATED, "Not authenticated.")
        call = connection.call
        if not data or call is None:
            return await self._refuse(connection, Close.BAD_REQUEST, "Bad request.")
        async with call.lock:
            match data[0]:
                case VoiceOp.DAVE_MLS_KEY_PACKAGE:
                    accepted = await call.key_package(connection.user_id, data[1:])
                case VoiceOp.DAVE_MLS_COMMIT_WELCOME:
                    await call.commit(connection.user_id, data[1:])
                    accepted = True
                case _:
                    return await self._refuse(connection, Close.UNKNOWN_OPCODE, "Unknown opcode.")
        if not accepted:
            return await self._refuse(connection, Close.BAD_REQUEST, "Bad key package.")
        return True

    async def _join_call(self, connection: VoiceConnection) -> None:
        """Seat the client in its channel's call, creating the call (and seating the humans
        already there as simulated members) when it is the first client in."""
        guild = self.world.guilds.get(connection.guild_id)
        state = guild.voice_states.get(connection.user_id) if guild is not None else None
        if guild is None or state is None:
            return
        key = (connection.guild_id, state.channel_id)
        call = self._calls.get(key)
        if call is None:
            call = Call(
                state.channel_id,
                self.external_sender,
                first_committer=lambda: self.first_committer,
                member_latency=lambda: self.member_latency,
                history=self.commits,
                on_change=self._changes.touch,
            )
            self._calls[key] = call
            async with call.lock:
                for user_id in self._humans_in(connection.guild_id, state.channel_id):
                    await call.join(Listener(user_id, state.channel_id))
        spoil = (connection.guild_id, state.channel_id, connection.user_id)
        if spoil in self._pending_spoils:
            self._pending_spoils.discard(spoil)
            call.spoil_welcome_for.add(connection.user_id)
        connection.call = call
        async with call.lock:
            await call.join(connection)

    async def _leave_call(self, connection: VoiceConnection) -> None:
        call, connection.call = connection.call, None
        if call is None:
            return
        if any(c.call is call for c in self._connections):
            async with call.lock:
                await call.leave(connection.user_id)
        else:  # the last client gone: nobody left to encrypt for, the call ends
            call.close()
            for key, known in list(self._calls.items()):
                if known is call:
                    del self._calls[key]

    def _humans_in(self, guild_id: int, channel_id: int) -> list[int]:
        guild = self.world.guilds.get(guild_id)
        if guild is None:
            return []
        return [
            s.user_id
            for s in guild.voice_states.values()
            if s.channel_id == channel_id and not self._is_bot(s.user_id)
        ]

    def _is_bot(self, user_id: int) -> bool:
        user = self.world.users.get(user_id)
        return user is not None and user.bot

    async def voice_moved(
        self, guild_id: int, user_id: int, before: int | None, after: int | None
    ) -> None:
        """A member's voice channel changed: a human leaves one call and joins another as a
        simulated member (a client's own seat follows its voice connection instead)."""
        if before == after or self._is_bot(user_id):
            return
        if before is not None and (call := self._calls.get((guild_id, before))) is not None:
            async with call.lock:
                await call.leave(user_id)
        if after is not None and (call := self._calls.get((guild_id, after))) is not None:
            async with call.lock:
                if user_id not in call.seats:  # not seated already when the call began
                    await call.join(Listener(user_id, after))

    async def reconnect_member(self, guild_id: int, user_id: int) -> None:
        """A simulated human's voice connection drops and comes back (a network blip): the
        call removes it, then seats it again with a new DAVE session."""
        guild = self.world.guilds.get(guild_id)
        state = guild.voice_states.get(user_id) if guild is not None else None
        if state is None or (call := self._calls.get((guild_id, state.channel_id))) is None:
            raise ValueError(f"{user_id} is not in a DAVE call")
        async with call.lock:
            await call.leave(user_id)
            await call.join(Listener(user_id, state.channel_id))

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
            frame = stream.open(data)
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
        heard = self._heard.setdefault(key, Heard())
        sender = self._sender(stream)
        call = None
        if sender is not None and sender.dave:
            call = self._calls.get(key)
        at = time.monotonic()
        try:
            if call is None or not is_dave_frame(frame):
                pcm, channels = stream.decode(frame)
                if call is None:
                    heard.add(pcm, channels, at)
                else:  # a DAVE listener drops it (libdave's Decryptor, passthrough off)
                    executed = sender is not None and sender.executed > 0
                    heard.add_plain(pcm, channels, at, after_transition=executed)
            else:
                opened = next(
                    (f for f in (m.decrypt(stream.user_id, frame) for m in call.listeners()) if f),
                    None,
                )
                if opened is None:
                    heard.undecryptable += 1
                else:
                    pcm, channels = stream.decode(opened)
                    heard.add(pcm, channels, at, e2ee=True)
        except Undecodable as error:
            log.debug("voice frame rejected: %s", error)
            self.rejected_packets += 1
            return
        self._changes.touch()

    def _sender(self, stream: Stream) -> VoiceConnection | None:
        return next((c for c in self._connections if c.stream is stream), None)

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
