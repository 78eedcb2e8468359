"""The gateway WebSocket: HELLO, IDENTIFY, heartbeats, READY/GUILD_CREATE, dispatch, RESUME.

Each IDENTIFY opens a session with its own sequence numbers and a backlog of dispatched
frames, so a client that RESUMEs gets what it missed. A session holds one shard of the bot's
guilds and is sent only their events (``emulator/gateway/shards.py`` has the rules and their pages
in Discord's docs). Test controls force a reconnect (op 7), drop sockets with a resumable close
code, invalidate sessions (op 9) and simulate an outage during which new connections are
refused.
"""

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum

from aiohttp import WSMsgType, web

from bus.tasks import TaskSet
from emulator.gateway import member_requests
from emulator.gateway.shards import (
    INVALID_SHARD_CLOSE,
    RATE_LIMITED_CLOSE,
    SHARDING_REQUIRED_CLOSE,
    IdentifyGate,
    MemberRequestLimit,
    SendCounter,
    ShardingConfig,
    parse_shard,
    shard_of,
)
from emulator.rules import payloads
from emulator.rules.clock import iso
from emulator.rules.intents import PRIVILEGED, Intent, receives
from emulator.rules.jsontypes import JSONObject, JSONValue, as_object
from emulator.rules.state import World
from emulator.rules.watch import Changes

log = logging.getLogger(__name__)

RESUMABLE_CLOSE = 4000
"""Discord's "unknown error" close code: clients reconnect and RESUME."""

LARGE_THRESHOLD = (50, 250)
"""IDENTIFY's ``large_threshold``: "Value between 50 and 250", 50 by default (Gateway Events >
Identify)."""


class Op(IntEnum):
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    token: str
    bot_id: int
    application_id: int
    allowed_privileged: int = int(PRIVILEGED)
    heartbeat_interval_ms: int = 41_250
    backlog: int = 5_000
    sharding: ShardingConfig = field(default_factory=ShardingConfig)


class Connection:
    """One WebSocket: frames are queued synchronously and written by a sender task."""

    def __init__(self, ws: web.WebSocketResponse, tasks: TaskSet, sends: SendCounter) -> None:
        self.ws = ws
        self.sends = sends
        self.session: GatewaySession | None = None
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._sender = tasks.spawn(self._send_forever(), name="gateway-sender")

    def send(self, frame: str) -> None:
        self._queue.put_nowait(frame)

    async def _send_forever(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                if not self.ws.closed:
                    await self.ws.send_str(frame)
            except ConnectionError:
                log.debug("gateway socket went away while sending")
                return
            finally:
                self._queue.task_done()

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until queued frames are written (or the sender is gone)."""
        if not self._sender.done():
            async with asyncio.timeout(timeout):
                await self._queue.join()

    async def close(self, code: int, reason: str = "") -> None:
        self._sender.cancel()
        await asyncio.wait([self._sender])
        await self.ws.close(code=code, message=reason.encode())


@dataclass(eq=False, slots=True)
class GatewaySession:
    """A gateway session: survives its connection until invalidated, so it can be resumed."""

    id: str
    intents: int
    shard: tuple[int, int] = (0, 1)
    large_threshold: int = LARGE_THRESHOLD[0]
    seq: int = 0
    backlog: deque[tuple[int, str]] = field(default_factory=deque)
    connection: Connection | None = None

    def push(self, event: str, data: JSONValue, limit: int) -> None:
        self.seq += 1
        frame = json.dumps({"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data})
        self.backlog.append((self.seq, frame))
        while len(self.backlog) > limit:
            self.backlog.popleft()
        if self.connection is not None:
            self.connection.send(frame)

    def serves(self, guild_id: int | None) -> bool:
        """Whether this session's shard carries the guild's events. Gateway > Sharding:
        "Gateway events that do not contain a guild_id will only be sent to the first shard"."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, count))


def _frame(op: Op, data: JSONValue) -> str:
    return json.dumps({"op": op, "t": None, "s": None, "d": data})


def _large_threshold(value: JSONValue) -> int:
    low, high = LARGE_THRESHOLD
    return min(max(value, low), high) if type(value) is int else low


type VoiceRequestHook = Callable[[GatewaySession, JSONObject], None]


class Gateway:
    """Serves gateway connections and fans dispatches out to every live session."""

    def __init__(
        self,
        world: World,
        settings: GatewaySettings,
        *,
        changes: Changes,
        tasks: TaskSet,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.settings = settings
        self.monotonic = monotonic
        self.identify_gate = IdentifyGate(settings.sharding, monotonic)
        self.member_limit = MemberRequestLimit(settings.sharding, monotonic)
        self.url = ""
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[Connection] = set()
        self.identify_count = 0
        self.resume_count = 0
        self.available = True
        self.on_voice_request: VoiceRequestHook | None = None
        self._changes = changes
        self._tasks = tasks

    # ----------------------------------------------------------------- serving

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The WebSocket endpoint (``GET /?v=10&encoding=json``)."""
        if not self.available:
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(
            ws, self._tasks, SendCounter(self.settings.sharding, self.monotonic)
        )
        self.connections.add(connection)
        connection.send(
            _frame(Op.HELLO, {"heartbeat_interval": self.settings.heartbeat_interval_ms})
        )
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                if not await self._receive(connection, message.data):
                    break
        finally:
            self.connections.discard(connection)
            if connection.session is not None and connection.session.connection is connection:
                connection.session.connection = None
            await connection.close(1000)
            self._changes.touch()
        return ws

    async def _receive(self, connection: Connection, text: str) -> bool:
        """Handle one client frame; False when the connection was closed."""
        try:
            frame = as_object(json.loads(text))
            raw_op = frame.get("op")
            op = Op(raw_op if isinstance(raw_op, int) else -1)
        except ValueError:
            await connection.close(4002, "Error while decoding payload.")
            return False
        data = frame.get("d")
        if connection.sends.over_limit():
            # Gateway > Rate Limiting: 120 sends a minute; beyond, "immediately disconnected".
            await connection.close(RATE_LIMITED_CLOSE, "You are being rate limited.")
            return False
        match op:
            case Op.HEARTBEAT:
                connection.send(_frame(Op.HEARTBEAT_ACK, None))
            case Op.IDENTIFY:
                return await self._identify(connection, as_object(data))
            case Op.RESUME:
                return await self._resume(connection, as_object(data))
            case Op.REQUEST_GUILD_MEMBERS:
                if connection.session is not None:
                    self._request_members(connection.session, as_object(data))
            case Op.VOICE_STATE_UPDATE:
                if connection.session is not None and self.on_voice_request is not None:
                    self.on_voice_request(connection.session, as_object(data))
            case Op.PRESENCE_UPDATE:
                pass
            case _:
                await connection.close(4001, "Unknown opcode.")
                return False
        return True

    async def _identify(self, connection: Connection, data: JSONObject) -> bool:
        if connection.session is not None:
            await connection.close(4005, "Already authenticated.")
            return False
        if data.get("token") != self.settings.token:
            await connection.close(4004, "Authentication failed.")
            return False
        intents = data.get("intents")
        if not isinstance(intents, int):
            await connection.close(4013, "Invalid intent(s).")
            return False
        if intents & PRIVILEGED & ~self.settings.allowed_privileged:
            await connection.close(4014, "Disallowed intent(s).")
            return False
        shard = parse_shard(data.get("shard"), self.settings.sharding)
        if shard is None:
            await connection.close(INVALID_SHARD_CLOSE, "Invalid shard.")
            return False
        session = GatewaySession(
            id=secrets.token_hex(16),
            intents=intents,
            shard=shard,
            large_threshold=_large_threshold(data.get("large_threshold")),
        )
        guilds = self._guilds_of(session)
        if len(guilds) > self.settings.sharding.max_guilds_per_session:
            await connection.close(SHARDING_REQUIRED_CLOSE, "Sharding required.")
            return False
        if not self.identify_gate.admit(shard[0]):
            connection.send(_frame(Op.INVALID_SESSION, False))
            return True
        self.identify_count += 1
        session.connection = connection
        connection.session = session
        self.sessions[session.id] = session
        session.push("READY", self._ready(session, guilds), self.settings.backlog)
        for guild_id in guilds:
            session.push(
                "GUILD_CREATE", self._guild_payload(guild_id, session), self.settings.backlog
            )
        log.info("session %s identified as shard %s with intents %s", session.id, shard, intents)
        self._changes.touch()
        return True

    def _guilds_of(self, session: GatewaySession) -> list[int]:
        """The bot's guilds that the session's shard carries."""
        bot_id = self.settings.bot_id
        return [
            g.id for g in self.world.guilds.values() if bot_id in g.members and session.serves(g.id)
        ]

    def _ready(self, session: GatewaySession, guilds: list[int]) -> JSONObject:
        return {
            "v": 10,
            "user": payloads.user(self.world.user(self.settings.bot_id)),
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "shard": list(session.shard),
            "application": {"id": str(self.settings.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "_trace": ["squadtime-emulator"],
        }

    async def _resume(self, connection: Connection, data: JSONObject) -> bool:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        last = seq if isinstance(seq, int) else 0
        if (
            session is None
            or data.get("token") != self.settings.token
            or (session.backlog and session.backlog[0][0] > last + 1)
        ):
            connection.send(_frame(Op.INVALID_SESSION, False))
            return True
        if session.connection is not None and session.connection is not connection:
            old = session.connection
            old.session = None
            self._tasks.spawn(old.close(RESUMABLE_CLOSE), name="gateway-close-replaced")
        session.connection = connection
        connection.session = session
        for number, frame in session.backlog:
            if number > last:
                connection.send(frame)
        session.push("RESUMED", {"_trace": ["squadtime-emulator"]}, self.settings.backlog)
        self.resume_count += 1
        log.info("session %s resumed from seq %s", session.id, last)
        self._changes.touch()
        return True

    def _request_members(self, session: GatewaySession, data: JSONObject) -> None:
        """Chunks of at most ``members_per_chunk``; RATE_LIMITED for a request for everyone
        that came within the guild's window (``emulator/gateway/member_requests.py``)."""
        raw = data.get("guild_id")
        guild = (
            self.world.guilds.get(int(raw))
            if isinstance(raw, (int, str)) and str(raw).isdigit()
            else None
        )
        if guild is None:
            return
        backlog = self.settings.backlog
        if member_requests.asks_for_everyone(data):
            wait = self.member_limit.retry_after(guild.id)
            if wait > 0:
                answer = member_requests.rate_limited(guild.id, data, wait)
                session.push("RATE_LIMITED", answer, backlog)
                return
        per_chunk = self.settings.sharding.members_per_chunk
        for chunk in member_requests.chunks(self.world, guild, data, per_chunk):
            session.push("GUILD_MEMBERS_CHUNK", chunk, backlog)

    def _guild_payload(self, guild_id: int, session: GatewaySession) -> JSONObject:
        """GUILD_CREATE for ``session``. Past the session's ``large_threshold`` the guild is
        ``large`` and comes without its offline members (Gateway Events > Request Guild
        Members), as without the members intent: the bot and the members in voice only."""
        guild = self.world.guild(guild_id)
        joined = guild.members[self.settings.bot_id].joined_at
        body = payloads.guild_create(self.world, guild, joined_at=iso(joined))
        large = len(guild.members) > session.large_threshold
        body["large"] = large
        if large or not session.intents & Intent.GUILD_MEMBERS:
            visible = {self.settings.bot_id, *guild.voice_states}
            body["members"] = [
                payloads.member(self.world, m)
                for m in guild.members.values()
                if m.user_id in visible
            ]
        return body

    # ---------------------------------------------------------------- dispatch

    def dispatch(self, event: str, data: JSONObject, *, in_dm: bool = False) -> None:
        """Send ``event`` to every session whose shard carries its guild and whose intents
        cover it (buffered while away); a message or reaction of a DM (``in_dm``) goes to
        sessions of shard 0 with the DM intents."""
        raw = data.get("guild_id")
        guild_id = int(raw) if isinstance(raw, str) and raw.isdigit() else None
        for session in list(self.sessions.values()):
            if not session.serves(guild_id) or not receives(session.intents, event, in_dm=in_dm):
                continue
            session.push(event, self._redact(session, event, data), self.settings.backlog)

    def dispatch_guild_create(self, guild_id: int) -> None:
        """Announce a guild the bot just joined, shaped for each session's intents, to the
        sessions of its shard."""
        for session in list(self.sessions.values()):
            if session.serves(guild_id) and receives(session.intents, "GUILD_CREATE"):
                body = self._guild_payload(guild_id, session)
                session.push("GUILD_CREATE", body, self.settings.backlog)

    def _redact(self, session: GatewaySession, event: str, data: JSONObject) -> JSONObject:
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE"):
            return data
        if session.intents & Intent.MESSAGE_CONTENT:
            return data
        if "guild_id" not in data:
            return data  # "Content in DMs with the app" is sent without the intent
        author = as_object(data.get("author"))
        if author.get("id") == str(self.settings.bot_id):
            return data
        return data | {"content": "", "embeds": [], "attachments": [], "components": []}

    # ----------------------------------------------------------- test controls

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Sessions with a connection right now."""
        return [s for s in self.sessions.values() if s.connection is not None]

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: clients close and RESUME."""
        for session in self.live_sessions:
            if session.connection is not None:
                session.connection.send(_frame(Op.RECONNECT, None))

    async def drop_connections(self, code: int = RESUMABLE_CLOSE) -> None:
        """Close every socket with ``code`` (resumable by default); sessions stay resumable."""
        for connection in list(self.connections):
            await connection.close(code, "Emulator dropped the connection.")

    async def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; non-resumable sessions are forgotten (clients re-IDENTIFY)."""
        for session in list(self.sessions.values()):
            connection = session.connection
            if connection is not None:
                connection.send(_frame(Op.INVALID_SESSION, resumable))
                await connection.flush()
            if not resumable:
                del self.sessions[session.id]
        self._changes.touch()

    @asynccontextmanager
    async def outage(self) -> AsyncIterator[None]:
        """Drop every connection and refuse new ones until the block exits."""
        self.available = False
        try:
            await self.drop_connections(1001)
            yield
        finally:
            self.available = True
            self._changes.touch()

    async def close(self) -> None:
        for connection in list(self.connections):
            await connection.close(1001, "Emulator shutting down.")
