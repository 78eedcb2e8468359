"""The gateway WebSocket: HELLO, IDENTIFY, heartbeats, READY/GUILD_CREATE, dispatch, RESUME.

Each IDENTIFY opens a session with its own sequence numbers and a backlog of dispatched
frames, so a client that RESUMEs gets what it missed. Test controls force a reconnect
(op 7), drop sockets with a resumable close code, invalidate sessions (op 9) and simulate
an outage during which new connections are refused.
"""

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum

from aiohttp import WSMsgType, web

from bus.tasks import TaskSet
from emulator import payloads
from emulator.clock import iso
from emulator.intents import PRIVILEGED, Intent, receives
from emulator.jsontypes import JSONObject, JSONValue, as_array, as_object
from emulator.state import World
from emulator.watch import Changes

log = logging.getLogger(__name__)

RESUMABLE_CLOSE = 4000
"""Discord's "unknown error" close code: clients reconnect and RESUME."""


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


class Connection:
    """One WebSocket: frames are queued synchronously and written by a sender task."""

    def __init__(self, ws: web.WebSocketResponse, tasks: TaskSet) -> None:
        self.ws = ws
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


def _frame(op: Op, data: JSONValue) -> str:
    return json.dumps({"op": op, "t": None, "s": None, "d": data})


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
    ) -> None:
        self.world = world
        self.settings = settings
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
        connection = Connection(ws, self._tasks)
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
        match op:
            case Op.HEARTBEAT:
                connection.send(_frame(Op.HEARTBEAT_ACK, None))
            case Op.IDENTIFY:
                return await self._identify(connection, as_object(data))
            case Op.RESUME:
                return await self._resume(connection, as_object(data))
            case Op.REQUEST_GUILD_MEMBERS:
                self._request_members(connection, as_object(data))
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
        self.identify_count += 1
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, connection=connection)
        connection.session = session
        self.sessions[session.id] = session
        bot = self.world.user(self.settings.bot_id)
        guilds = [g for g in self.world.guilds.values() if bot.id in g.members]
        session.push(
            "READY",
            {
                "v": 10,
                "user": payloads.user(bot),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "resume_gateway_url": self.url,
                "application": {"id": str(self.settings.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "_trace": ["squadtime-emulator"],
            },
            self.settings.backlog,
        )
        for guild in guilds:
            session.push(
                "GUILD_CREATE", self._guild_payload(guild.id, intents), self.settings.backlog
            )
        log.info("session %s identified with intents %s", session.id, intents)
        self._changes.touch()
        return True

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

    def _request_members(self, connection: Connection, data: JSONObject) -> None:
        if connection.session is None:
            return
        guild = self.world.guilds.get(int(str(data.get("guild_id", 0))))
        if guild is None:
            return
        wanted = {int(str(u)) for u in as_array(data.get("user_ids"))}
        query = str(data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user_id in wanted)
            and self.world.user(m.user_id).username.lower().startswith(query)
        ]
        limit = data.get("limit")
        if isinstance(limit, int) and limit > 0:
            members = members[:limit]
        chunk: JSONObject = {
            "guild_id": str(guild.id),
            "members": [payloads.member(self.world, m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data.get("nonce")
        connection.session.push("GUILD_MEMBERS_CHUNK", chunk, self.settings.backlog)

    def _guild_payload(self, guild_id: int, intents: int) -> JSONObject:
        guild = self.world.guild(guild_id)
        joined = guild.members[self.settings.bot_id].joined_at
        body = payloads.guild_create(self.world, guild, joined_at=iso(joined))
        if not intents & Intent.GUILD_MEMBERS:
            # Without the members intent Discord sends only the bot and members in voice.
            visible = {self.settings.bot_id, *guild.voice_states}
            body["members"] = [
                payloads.member(self.world, m)
                for m in guild.members.values()
                if m.user_id in visible
            ]
        return body

    # ---------------------------------------------------------------- dispatch

    def dispatch(self, event: str, data: JSONObject, *, in_dm: bool = False) -> None:
        """Send ``event`` to every session whose intents cover it (buffered while away); a
        message or reaction of a DM (``in_dm``) goes to sessions with the DM intents."""
        for session in list(self.sessions.values()):
            if not receives(session.intents, event, in_dm=in_dm):
                continue
            session.push(event, self._redact(session, event, data), self.settings.backlog)

    def dispatch_guild_create(self, guild_id: int) -> None:
        """Announce a guild the bot just joined, shaped for each session's intents."""
        for session in list(self.sessions.values()):
            if receives(session.intents, "GUILD_CREATE"):
                body = self._guild_payload(guild_id, session.intents)
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
