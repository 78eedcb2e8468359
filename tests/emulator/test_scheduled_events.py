"""Guild scheduled events as Discord's "Guild Scheduled Event" resource says: the fields it
accepts per entity type, the status transitions, the permissions, the gateway events."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import nextcord
import pytest

from emulator import Emulator
from emulator.rules.permissions import Permission
from emulator.rules.scheduled_event_rules import EventFields, fields_of
from emulator.rules.state import EventEntityType, EventStatus, ScheduledEvent
from emulator.simulator.driver import Refused
from emulator.simulator.simclock import SimClock
from tests.emulator.support import (
    STEP,
    Api,
    Community,
    api,
    make_client,
    running,
    small_community,
)
from tests.helpers import eventually

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
"""The emulator's clock in these tests: "the past" is before it, whatever the real date."""
EVENTS = "/guilds/{}/scheduled-events"


def at(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()


def external(**overrides: object) -> dict[str, object]:
    """A valid EXTERNAL event tonight, 19:00 to 20:00."""
    body: dict[str, object] = {
        "name": "19:00 squad",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": at(7),
        "scheduled_end_time": at(8),
        "entity_metadata": {"location": "Lobby"},
    }
    return body | overrides


@dataclass(frozen=True, slots=True)
class Town:
    emu: Emulator
    clock: SimClock
    rest: Api
    community: Community

    @property
    def events_path(self) -> str:
        return EVENTS.format(self.community.guild.id)

    async def create(self, body: object) -> Any:
        return await self.rest.call("POST", self.events_path, json_body=body)

    async def patch(self, event_id: object, body: object) -> Any:
        return await self.rest.call("PATCH", f"{self.events_path}/{event_id}", json_body=body)


def moderators_event(t: "Town", name: str, *, days: int = 1) -> ScheduledEvent:
    """An EXTERNAL event the admin created in the Discord client."""
    fields = EventFields(
        name=name,
        entity_type=EventEntityType.EXTERNAL,
        scheduled_start_time=NOW + timedelta(days=days),
        scheduled_end_time=NOW + timedelta(days=days, hours=2),
        channel_id=None,
        location="Online",
        description=None,
        image=None,
    )
    guild_id = t.community.guild.id
    return t.emu.actions.create_scheduled_event(
        guild_id, fields, creator_id=t.community.admin.user_id
    )


def give_bot(emu: Emulator, town: Community, permissions: int) -> None:
    """Add a role holding ``permissions`` to the bot's own."""
    role = emu.driver.add_role(town.guild, "Events", permissions=permissions)
    bot = emu.driver.bot(town.guild)
    emu.driver.set_roles(bot, [*(town.guild.roles[r] for r in bot.roles), role])


@contextlib.asynccontextmanager
async def town(permissions: int = Permission.CREATE_EVENTS) -> AsyncIterator[Town]:
    """A small community on a clock stopped at NOW, the bot holding ``permissions``."""
    clock = SimClock(NOW)
    async with Emulator(clock=clock) as emu, api(emu) as rest:
        community = small_community(emu)
        # The bot's own role grants Create Events (squadtime's invite asks for it): take it
        # away, so that the bot holds exactly ``permissions`` for events.
        for role_id in emu.driver.bot(community.guild).roles:
            role = community.guild.roles[role_id]
            role.permissions = role.permissions & ~Permission.CREATE_EVENTS
        give_bot(emu, community, permissions)
        yield Town(emu, clock, rest, community)


async def test_an_event_comes_back_normalised_and_is_listed() -> None:
    """An event as Discord returns it; GET and list agree, ``user_count`` if asked; else 10070."""
    async with town() as t:
        created = await t.create(external(description="Who plays?"))
        assert created.status == 200, created.body
        event = created.body
        assert event == {
            "id": event["id"],
            "guild_id": str(t.community.guild.id),
            "channel_id": None,
            "creator_id": str(t.emu.bot_id),
            "creator": event["creator"],
            "name": "19:00 squad",
            "description": "Who plays?",
            "image": None,
            "scheduled_start_time": at(7),
            "scheduled_end_time": at(8),
            "privacy_level": 2,
            "status": 1,
            "entity_type": 3,
            "entity_id": None,
            "entity_metadata": {"location": "Lobby"},
            "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
        }
        assert event["creator"]["id"] == str(t.emu.bot_id)
        [kept] = t.emu.driver.scheduled_events(t.community.guild)
        await t.emu.driver.mark_interested(t.community.alice, kept)
        one = await t.rest.call("GET", f"{t.events_path}/{event['id']}")
        assert one.body == event
        counted = await t.rest.call("GET", f"{t.events_path}?with_user_count=true")
        assert counted.body == [event | {"user_count": 1}]
        unknown = await t.rest.call("GET", f"{t.events_path}/42")
        assert (unknown.status, unknown.code) == (404, 10070)


async def test_the_required_fields_are_reported_together() -> None:
    """An empty body is one 50035 naming the four required fields; nothing is created."""
    async with town() as t:
        answer = await t.create({})
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {
            key: ["BASE_TYPE_REQUIRED"]
            for key in ("name", "privacy_level", "scheduled_start_time", "entity_type")
        }
        assert t.emu.driver.scheduled_events(t.community.guild) == []


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, "name", "BASE_TYPE_BAD_LENGTH"),
        ({"name": "x" * 101}, "name", "BASE_TYPE_BAD_LENGTH"),
        ({"description": "x" * 1001}, "description", "BASE_TYPE_MAX_LENGTH"),
        ({"privacy_level": 1}, "privacy_level", "BASE_TYPE_CHOICES"),
        ({"entity_type": 4}, "entity_type", "BASE_TYPE_CHOICES"),
        ({"scheduled_start_time": "tonight"}, "scheduled_start_time", "DATE_TIME_TYPE_PARSE"),
        (
            {"scheduled_end_time": "9999-12-31T23:00:00-05:00"},
            "scheduled_end_time",
            "DATE_TIME_TYPE_PARSE",
        ),
        (
            {"scheduled_start_time": at(-1)},
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
        ),
        ({"scheduled_end_time": at(7)}, "scheduled_end_time", None),
    ],
)
async def test_a_field_outside_discords_rules_is_refused(
    overrides: dict[str, object], field: str, code: str | None
) -> None:
    """Name, description, privacy, entity type, start and end outside the rules: 50035."""
    async with town() as t:
        answer = await t.create(external(**overrides))
        assert (answer.status, answer.code) == (400, 50035), answer.body
        assert list(answer.field_codes()) == [field]
        if code is not None:  # None: Discord's code string for that refusal is not known
            assert answer.field_codes()[field] == [code]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "x" * 100, "description": "y" * 1000},
        {"scheduled_start_time": NOW.isoformat(), "scheduled_end_time": at(0.01)},
        {"scheduled_start_time": "2026-10-01T19:00:00", "description": None},
    ],
)
async def test_the_edges_of_discords_rules_are_accepted(overrides: dict[str, object]) -> None:
    """100-char name, 1000-char description, a start now, a time without offset: 200."""
    async with town() as t:
        answer = await t.create(external(**overrides))
        assert answer.status == 200, answer.body


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"entity_metadata": None}, {"entity_metadata.location"}),
        ({"entity_metadata": {"location": ""}}, {"entity_metadata.location"}),
        ({"scheduled_end_time": None}, {"scheduled_end_time"}),
        ({"channel_id": "voice"}, {"channel_id"}),
    ],
)
async def test_an_external_event_needs_a_location_an_end_and_no_channel(
    overrides: dict[str, object], fields: set[str]
) -> None:
    """EXTERNAL without location or end, or with a channel: 50035 on that field."""
    async with town() as t:
        if "channel_id" in overrides:
            overrides = {"channel_id": str(t.community.voice.id)}  # the guild's voice channel
        answer = await t.create(external(**overrides))
        assert (answer.status, answer.code) == (400, 50035), answer.body
        assert set(answer.field_codes()) == fields


async def test_a_voice_event_needs_a_voice_channel_of_the_guild_and_no_location() -> None:
    """VOICE: 200 in a voice channel; no channel, a text one or a location: 50035."""
    async with town() as t:
        voice = {
            "name": "Lobby night",
            "privacy_level": 2,
            "entity_type": 2,
            "scheduled_start_time": at(7),
        }
        created = await t.create(voice | {"channel_id": str(t.community.voice.id)})
        assert created.status == 200, created.body
        assert (created.body["channel_id"], created.body["entity_metadata"]) == (
            str(t.community.voice.id),
            None,
        )
        cases = [
            (voice, "channel_id"),
            (voice | {"channel_id": str(t.community.text.id)}, "channel_id"),
            (
                voice
                | {"channel_id": str(t.community.voice.id), "entity_metadata": {"location": "x"}},
                "entity_metadata.location",
            ),
        ]
        for body, field in cases:
            answer = await t.create(body)
            assert (answer.status, answer.code) == (400, 50035), answer.body
            assert list(answer.field_codes()) == [field]


async def test_a_stage_event_needs_a_stage_channel() -> None:
    """STAGE_INSTANCE in a voice channel is 50035 on channel_id (no stage channels here)."""
    async with town() as t:
        body = {
            "name": "Talk",
            "privacy_level": 2,
            "entity_type": 1,
            "scheduled_start_time": at(7),
            "channel_id": str(t.community.voice.id),
        }
        answer = await t.create(body)
        assert (answer.status, answer.code) == (400, 50035)
        assert list(answer.field_codes()) == ["channel_id"]


async def test_creating_needs_create_events_manage_events_alone_is_not_enough() -> None:
    """Creating: MANAGE_EVENTS alone is 403 50013, CREATE_EVENTS is 200 (since Feb 2026)."""
    async with town(Permission.MANAGE_EVENTS) as t:
        refused = await t.create(external())
        assert (refused.status, refused.code) == (403, 50013)
        give_bot(t.emu, t.community, Permission.CREATE_EVENTS)
        assert (await t.create(external())).status == 200


async def test_a_voice_event_needs_connect_in_its_channel() -> None:
    """VOICE: CREATE_EVENTS but Connect denied in the channel is 403 50013; allowed, 200."""
    async with town() as t:
        bot = t.emu.driver.bot(t.community.guild)
        t.emu.driver.set_overwrite(t.community.voice, bot, deny=Permission.CONNECT)
        body = {
            "name": "Lobby night",
            "privacy_level": 2,
            "entity_type": 2,
            "scheduled_start_time": at(7),
            "channel_id": str(t.community.voice.id),
        }
        refused = await t.create(body)
        assert (refused.status, refused.code) == (403, 50013)
        t.emu.driver.remove_overwrite(t.community.voice, bot)
        assert (await t.create(body)).status == 200


async def test_someone_elses_event_needs_manage_events() -> None:
    """Own event: CREATE_EVENTS edits it; a moderator's is 403 50013 until MANAGE_EVENTS."""
    async with town() as t:
        own = await t.create(external())
        assert (await t.patch(own.body["id"], {"name": "20:00 squad"})).status == 200
        theirs = moderators_event(t, "Tournament")
        refused = await t.patch(theirs.id, {"name": "Our tournament"})
        assert (refused.status, refused.code) == (403, 50013)
        deleting = await t.rest.call("DELETE", f"{t.events_path}/{theirs.id}")
        assert (deleting.status, deleting.code) == (403, 50013)
        give_bot(t.emu, t.community, Permission.MANAGE_EVENTS)
        assert (await t.patch(theirs.id, {"name": "Our tournament"})).status == 200


@pytest.mark.parametrize(
    ("path", "wanted", "status", "code"),
    [
        ([], 2, 200, None),
        ([], 4, 200, None),
        ([2], 3, 200, None),
        ([], 1, 200, None),
        ([], 3, 400, 50035),
        ([2], 4, 400, 50035),
        ([2], 1, 400, 50035),
        ([2, 3], 2, 400, 180000),
        ([4], 1, 400, 180000),
        ([4], 2, 400, 180000),
    ],
)
async def test_status_moves_only_as_documented(
    path: list[int], wanted: int, status: int, code: int | None
) -> None:
    """Only the documented status moves pass; others 50035; a finished event 180000."""
    async with town() as t:
        created = await t.create(external())
        for step in path:
            moved = await t.patch(created.body["id"], {"status": step})
            assert moved.status == 200, moved.body
        answer = await t.patch(created.body["id"], {"status": wanted})
        assert (answer.status, answer.code) == (status, code), answer.body
        if code == 50035:
            assert list(answer.field_codes()) == ["status"]
        if code == 180000:
            assert answer.body["message"] == "Cannot update a finished event"
        [event] = t.emu.driver.scheduled_events(t.community.guild)
        assert event.status == (EventStatus(wanted) if status == 200 else [1, *path][-1])


async def test_a_finished_event_refuses_any_change_but_can_be_deleted() -> None:
    """A COMPLETED event's name is 400 180000 to change; DELETE is 204 and GET then 10070."""
    async with town() as t:
        created = await t.create(external())
        event_id = created.body["id"]
        for step in (2, 3):
            assert (await t.patch(event_id, {"status": step})).status == 200
        renamed = await t.patch(event_id, {"name": "again"})
        assert (renamed.status, renamed.code) == (400, 180000)
        assert (await t.rest.call("DELETE", f"{t.events_path}/{event_id}")).status == 204
        gone = await t.rest.call("GET", f"{t.events_path}/{event_id}")
        assert (gone.status, gone.code) == (404, 10070)


async def test_a_modify_follows_the_rules_of_the_resulting_event() -> None:
    """A PATCH is checked as the event it makes: past start, end before start, type change."""
    async with town() as t:
        created = await t.create(external())
        event_id = created.body["id"]
        past = await t.patch(event_id, {"scheduled_start_time": at(-1)})
        assert list(past.field_codes()) == ["scheduled_start_time"]
        late = await t.patch(event_id, {"scheduled_start_time": at(9)})
        assert list(late.field_codes()) == ["scheduled_end_time"]
        voice = str(t.community.voice.id)
        moved = await t.patch(event_id, {"entity_type": 2, "channel_id": voice})
        assert moved.status == 200, moved.body
        assert (moved.body["channel_id"], moved.body["entity_metadata"]) == (voice, None)
        back = await t.patch(event_id, {"entity_type": 3, "entity_metadata": {"location": "Pub"}})
        assert (back.status, back.code) == (400, 50035)
        assert list(back.field_codes()) == ["channel_id"]
        body = {"entity_type": 3, "channel_id": None, "entity_metadata": {"location": "Pub"}}
        assert (await t.patch(event_id, body)).status == 200


async def test_an_external_event_starts_and_ends_on_its_own() -> None:
    """On the emulator's clock an EXTERNAL event turns ACTIVE, then COMPLETED (then 180000)."""
    async with town() as t:
        created = await t.create(external())
        await t.clock.sleep_until(NOW + timedelta(hours=7, minutes=1))
        [event] = t.emu.driver.scheduled_events(t.community.guild)
        assert event.status is EventStatus.ACTIVE
        await t.clock.sleep_until(NOW + timedelta(hours=8))
        late = await t.patch(created.body["id"], {"status": 3})
        assert (late.status, late.code) == (400, 180000)
        assert [e.status for e in t.emu.driver.scheduled_events(t.community.guild)] == [
            EventStatus.COMPLETED
        ]


async def test_a_guild_has_at_most_100_unfinished_events() -> None:
    """The 101st SCHEDULED event is 400 30038; once one is cancelled, 200."""
    async with town() as t:
        first = await t.create(external())
        for day in range(99):
            moderators_event(t, f"filler {day}", days=day + 1)
        refused = await t.create(external())
        assert (refused.status, refused.code) == (400, 30038)
        assert (await t.patch(first.body["id"], {"status": 4})).status == 200
        assert (await t.create(external())).status == 200


async def test_gateway_events_need_the_scheduled_events_intent() -> None:
    """Event create/update/delete reach GUILD_SCHEDULED_EVENTS sessions only; nextcord follows."""
    async with town() as t:
        with_intent = nextcord.Intents(guilds=True, scheduled_events=True)
        without = nextcord.Intents(guilds=True)
        listening, deaf = make_client(with_intent), make_client(without)
        async with running(t.emu, listening) as client, running(t.emu, deaf):
            event = moderators_event(t, "Tournament")
            actions = t.emu.actions
            guild = client.get_guild(t.community.guild.id)
            assert guild is not None
            await eventually(
                lambda: guild.get_scheduled_event(event.id) is not None, STEP, "the create"
            )
            renamed = replace(fields_of(event), name="Finals")
            actions.update_scheduled_event(event, renamed)
            await eventually(
                lambda: getattr(guild.get_scheduled_event(event.id), "name", "") == "Finals",
                STEP,
                "the update",
            )
            actions.delete_scheduled_event(event)
            await eventually(
                lambda: guild.get_scheduled_event(event.id) is None, STEP, "the delete"
            )
            [other] = [s for s in t.emu.gateway.sessions.values() if s.intents == without.value]
            assert not [f for _, f in other.backlog if "GUILD_SCHEDULED_EVENT" in f]


async def test_interested_clicks_reach_scheduled_events_sessions_only() -> None:
    """A member's "Interested" and its removal are GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE
    (Discord's docs, Gateway Events) to GUILD_SCHEDULED_EVENTS sessions only; a repeat sends
    nothing; a finished event or another guild's member is refused."""
    async with town() as t:
        with_intent = nextcord.Intents(guilds=True, scheduled_events=True)
        without = nextcord.Intents(guilds=True)
        async with running(t.emu, make_client(with_intent)), running(t.emu, make_client(without)):
            event = moderators_event(t, "Tournament")
            alice = t.community.alice
            await t.emu.driver.mark_interested(alice, event)
            await t.emu.driver.mark_interested(alice, event)  # already interested: nothing
            await t.emu.driver.mark_interested(alice, event, interested=False)
            sessions = list(t.emu.gateway.sessions.values())
            [listening] = [s for s in sessions if s.intents == with_intent.value]
            [deaf] = [s for s in sessions if s.intents == without.value]

            def clicks(session: Any) -> list[str]:
                frames = [json.loads(frame) for _, frame in session.backlog]
                return [f["t"] for f in frames if f["t"].startswith("GUILD_SCHEDULED_EVENT_USER")]

            await eventually(lambda: len(clicks(listening)) == 2, STEP, "the two clicks")
            assert clicks(listening) == [
                "GUILD_SCHEDULED_EVENT_USER_ADD",
                "GUILD_SCHEDULED_EVENT_USER_REMOVE",
            ]
            assert clicks(deaf) == []
            stranger_guild = t.emu.driver.add_guild("elsewhere")
            stranger = t.emu.driver.add_member(stranger_guild, "stranger")
            with pytest.raises(Refused):
                await t.emu.driver.mark_interested(stranger, event)
            finished = replace(fields_of(event), status=EventStatus.CANCELED)
            t.emu.actions.update_scheduled_event(event, finished)
            with pytest.raises(Refused):
                await t.emu.driver.mark_interested(alice, event)


async def test_nextcord_creates_edits_starts_ends_and_cancels_events() -> None:
    """nextcord: create, edit, start, complete, cancel; refused moves raise (50035, 180000)."""
    async with town() as t:
        async with running(t.emu, make_client()) as client:
            guild = client.get_guild(t.community.guild.id)
            voice = client.get_channel(t.community.voice.id)
            assert guild is not None
            assert isinstance(voice, nextcord.VoiceChannel)
            tonight = await asyncio.wait_for(
                guild.create_scheduled_event(
                    name="19:00 squad",
                    entity_type=nextcord.ScheduledEventEntityType.voice,
                    start_time=NOW + timedelta(hours=7),
                    channel=voice,
                ),
                STEP,
            )
            elsewhere = await asyncio.wait_for(
                guild.create_scheduled_event(
                    name="LAN",
                    entity_type=nextcord.ScheduledEventEntityType.external,
                    start_time=NOW + timedelta(days=3),
                    end_time=NOW + timedelta(days=3, hours=5),
                    metadata=nextcord.EntityMetadata(location="Town hall"),
                    description="Bring a PC",
                ),
                STEP,
            )
            edited = await asyncio.wait_for(tonight.edit(name="19:00 squad (5 in)"), STEP)
            assert edited.name == "19:00 squad (5 in)"
            with pytest.raises(nextcord.HTTPException) as skipped:
                await edited.edit(status=nextcord.ScheduledEventStatus.completed)
            assert skipped.value.code == 50035
            active = nextcord.ScheduledEventStatus.active
            await asyncio.wait_for(edited.edit(status=active), STEP)
            await asyncio.wait_for(
                edited.edit(status=nextcord.ScheduledEventStatus.completed), STEP
            )
            cancelled = nextcord.ScheduledEventStatus.canceled
            await asyncio.wait_for(elsewhere.edit(status=cancelled), STEP)
            with pytest.raises(nextcord.HTTPException) as final:
                await elsewhere.edit(status=active)
            assert final.value.code == 180000
            fetched = await asyncio.wait_for(guild.fetch_scheduled_event(elsewhere.id), STEP)
            assert (fetched.name, fetched.metadata.location) == ("LAN", "Town hall")
            listed = sorted([e.name async for e in guild.fetch_scheduled_events()])
            assert listed == ["19:00 squad (5 in)", "LAN"]
        statuses = {e.name: e.status for e in t.emu.driver.scheduled_events(t.community.guild)}
        assert statuses == {
            "19:00 squad (5 in)": EventStatus.COMPLETED,
            "LAN": EventStatus.CANCELED,
        }


async def test_the_interested_users_are_listed_by_id_a_page_at_a_time() -> None:
    """Get Guild Scheduled Event Users: who clicked "Interested", ascending by id, at most
    ``limit`` (1-100, default 100) after or before a user id (``before`` wins), members
    only when asked; a bad limit or id is 50035, an unknown event 10070."""
    async with town() as t:
        event = moderators_event(t, "Tournament")
        c = t.community
        members = sorted([c.alice, c.bob, c.admin], key=lambda m: m.user_id)
        for member in reversed(members):
            await t.emu.driver.mark_interested(member, event)
        users = f"{t.events_path}/{event.id}/users"

        async def ids(query: str = "") -> list[int]:
            answer = await t.rest.call("GET", users + query)
            assert answer.status == 200, answer.body
            return [int(item["user"]["id"]) for item in answer.body]

        everyone = [m.user_id for m in members]
        assert await ids() == everyone
        assert await ids("?limit=2") == everyone[:2]
        assert await ids(f"?after={everyone[0]}") == everyone[1:]
        assert await ids(f"?before={everyone[2]}&limit=1") == everyone[1:2]
        assert await ids(f"?before={everyone[1]}&after={everyone[0]}") == everyone[:1]
        plain = await t.rest.call("GET", users)
        assert "member" not in plain.body[0]
        with_member = await t.rest.call("GET", users + "?with_member=true")
        assert with_member.body[0]["member"]["user"]["id"] == str(everyone[0])
        await t.emu.driver.mark_interested(c.alice, event, interested=False)
        assert c.alice.user_id not in await ids()
        for query in ("?limit=0", "?limit=101", "?limit=many", "?after=someone"):
            answer = await t.rest.call("GET", users + query)
            assert (answer.status, answer.code) == (400, 50035), (query, answer.body)
        missing = await t.rest.call("GET", f"{t.events_path}/{event.id + 1}/users")
        assert (missing.status, missing.code) == (404, 10070)
