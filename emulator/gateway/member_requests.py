"""Answers to Request Guild Members (op 8): GUILD_MEMBERS_CHUNK events, or RATE_LIMITED.

Discord's docs, Gateway Events > Request Guild Members: "The server will send Guild Members
Chunk events in response with up to 1000 members per chunk until all members that match the
request have been sent"; a prefix ``query`` and ``user_ids`` return at most 100 members; a
nonce longer than 32 bytes "will be ignored". Gateway Events > Guild Members Chunk: each chunk
carries ``chunk_index``, ``chunk_count`` and ``not_found`` (the requested ids that are no
member). Gateway Events > Rate Limited: ``{opcode, retry_after, meta: {guild_id, nonce}}``.
"""

from __future__ import annotations

from emulator.rules import payloads
from emulator.rules.jsontypes import JSONObject, JSONValue, as_array
from emulator.rules.state import Guild, Member, World

SUBSET_LIMIT = 100
""""Requesting a prefix (query parameter) will return a maximum of 100 members"; the same for
``user_ids``."""

NONCE_BYTES = 32


def asks_for_everyone(data: JSONObject) -> bool:
    """The request the 30-second limit applies to: ``query`` "" with ``limit`` 0 (change log,
    "Introducing Rate Limit When Requesting All Guild Members")."""
    return data.get("user_ids") is None and data.get("query") == "" and data.get("limit") == 0


def nonce_of(data: JSONObject) -> str | None:
    """The request's nonce, or None when absent or invalid (then Discord leaves it out)."""
    nonce = data.get("nonce")
    if isinstance(nonce, str) and len(nonce.encode()) <= NONCE_BYTES:
        return nonce
    return None


def _wanted_ids(data: JSONObject) -> list[int] | None:
    raw = data.get("user_ids")
    if raw is None:
        return None
    values: list[JSONValue] = as_array(raw) if isinstance(raw, list) else [raw]
    return [int(v) for v in values if isinstance(v, (str, int)) and str(v).isdigit()]


def matching(world: World, guild: Guild, data: JSONObject) -> tuple[list[Member], list[int]]:
    """The members a request names and the requested ids that are no member."""
    wanted = _wanted_ids(data)
    if wanted is not None:
        found = [guild.members[u] for u in wanted[:SUBSET_LIMIT] if u in guild.members]
        return found, [u for u in wanted[:SUBSET_LIMIT] if u not in guild.members]
    query = str(data.get("query") or "").lower()
    members = [
        m
        for m in guild.members.values()
        if world.user(m.user_id).username.lower().startswith(query)
    ]
    limit = data.get("limit")
    cap = limit if isinstance(limit, int) and limit > 0 else len(members)
    if query:
        cap = min(cap, SUBSET_LIMIT)
    return members[:cap], []


def chunks(world: World, guild: Guild, data: JSONObject, per_chunk: int) -> list[JSONObject]:
    """The GUILD_MEMBERS_CHUNK payloads answering ``data`` (one, empty, when nothing matched)."""
    members, not_found = matching(world, guild, data)
    groups = [members[i : i + per_chunk] for i in range(0, len(members), per_chunk)] or [[]]
    nonce = nonce_of(data)
    answers: list[JSONObject] = []
    for index, group in enumerate(groups):
        chunk: JSONObject = {
            "guild_id": str(guild.id),
            "members": [payloads.member(world, m) for m in group],
            "chunk_index": index,
            "chunk_count": len(groups),
        }
        if not_found and index == 0:
            chunk["not_found"] = [str(u) for u in not_found]
        if nonce is not None:
            chunk["nonce"] = nonce
        answers.append(chunk)
    return answers


def rate_limited(guild_id: int, data: JSONObject, retry_after: float) -> JSONObject:
    """The RATE_LIMITED dispatch for a Request Guild Members that came too soon."""
    meta: JSONObject = {"guild_id": str(guild_id)}
    nonce = nonce_of(data)
    if nonce is not None:
        meta["nonce"] = nonce
    return {"opcode": 8, "retry_after": round(retry_after, 3), "meta": meta}
