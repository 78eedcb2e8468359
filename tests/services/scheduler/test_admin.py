"""``/config``: every setting, shown back in words, refused to non-admins and for bad values."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bus.endpoints import Endpoints
from bus.protocol import EmojiFacts
from emulator.simulator.driver import Refused
from services.scheduler.answers import Refusal
from services.scheduler.roster import GuildView
from services.scheduler.settings import the_guilds_own
from tests.services.scheduler.support import World, world

PARIS = ZoneInfo("Europe/Paris")


async def _relayed(w: World, command: str, options: dict[str, str], *, admin: bool = True) -> str:
    """Send the scheduler ``/command`` directly, by the admin or (not admin) by Alice."""
    response = await w.relay(
        kind="command",
        member=w.town.admin if admin else w.town.alice,
        permissions=(1 << 5) if admin else 0,
        command=command,
        options=options,
    )
    assert response.ephemeral
    return response.content


async def test_every_setting_is_saved_and_shown(endpoints: Endpoints, short_tmp: Path) -> None:
    """Each /config subcommand changes what /config show says."""

    async with world(endpoints, short_tmp) as w:
        town, admin = w.town, w.town.admin
        assert "Daily message: not set at 12:00 (UTC)" in await w.say(admin, "config show")
        await w.say(admin, "config channel", channel=town.text.id)
        await w.say(admin, "config time", time="9h05")
        await w.say(admin, "config timezone", zone="Europe/Paris")
        await w.say(admin, "config window", start=20, hours=3, emoji="🎮 🕹️ 👾")
        await w.say(admin, "config voice", channel=town.voice.id, counted=True)
        await w.say(admin, "config rank", role=town.admins.id, emoji="👑")
        saved = await w.say(admin, "config greetings", enabled=True)
        assert saved.startswith("Saved.")
        shown = await w.say(admin, "config show")
        assert shown.splitlines() == [
            "**squadtime setup**",
            f"Daily message: <#{town.text.id}> at 09:05 (Europe/Paris)",
            "Play window: 20:00 to 23:00, 3 hours: 🎮 🕹️ 👾",
            f"Counted voice channels: <#{town.voice.id}>",
            "Rank emoji: 👑 Admins",
            "Voice greetings: on",
            "Enough-players calls: off",
            "Discord events for those hours: off",
            "Voice channel status naming their squad: off",
            "Nudges: only for members who turned them on (/nudges on)",
            "Who was there, on the dashboard for moderators: hidden (each member sees their own"
            " only)",
            "Week-ahead post: off",
        ]
        await w.say(admin, "config voice", channel=town.voice.id, counted=False)
        await w.say(admin, "config rank", role=town.admins.id)
        shown = await w.say(admin, "config show")
        assert "Counted voice channels: none" in shown
        assert "Rank emoji: none" in shown
        await w.say(admin, "config reset")
        assert "Daily message: not set at 12:00 (UTC)" in await w.say(admin, "config show")


async def test_non_admins_are_refused_by_discord_and_by_the_scheduler(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Discord hides /config from members; a member who gets through anyway is refused."""

    async with world(endpoints, short_tmp) as w:
        with pytest.raises(Refused, match="missing permissions"):
            await w.emu.driver.slash(w.town.alice, w.town.text, "config show")
        answer = await _relayed(w, "config time", {"time": "10:00"}, admin=False)
        assert answer == "⚠️ Only members with the Manage Server permission can do this."
        assert "12:00" in await w.say(w.town.admin, "config show")


@pytest.mark.parametrize(
    ("command", "options", "reason"),
    [
        ("config window", {"start": "18", "hours": "21"}, "`hours` must be between 1 and 20"),
        ("config window", {"start": "24", "hours": "4"}, "`start` must be between 0 and 23"),
        ("config window", {"start": "x", "hours": "4"}, "`start` must be a whole number"),
        ("config window", {"start": "18", "hours": "2", "emoji": "🎮"}, "Give 2 emoji"),
        ("config window", {"start": "18", "hours": "2", "emoji": "🎮 🎮"}, "different emoji"),
        ("config window", {"start": "18", "hours": "2", "emoji": "a b"}, "'a' is not an emoji"),
        # Non-ASCII is not enough: Discord answers 10014 Unknown Emoji to a reaction with "é".
        ("config window", {"start": "18", "hours": "2", "emoji": "é ü"}, "'é' is not an emoji"),
        ("config time", {"time": "25:00"}, "'25:00' is not a time"),
        ("config timezone", {"zone": "Mars/Base"}, "'Mars/Base' is not a timezone"),
        ("config channel", {"channel": "12"}, "That channel is not in this server"),
        ("config rank", {"role": "abc", "emoji": "👑"}, "`role` is not a valid id"),
        ("config rank", {"role": "²", "emoji": "👑"}, "`role` is not a valid id"),
        ("config greetings", {"enabled": "maybe"}, "`enabled` must be true or false"),
        ("config nonsense", {}, "Unknown setting 'nonsense'"),
    ],
)
async def test_bad_values_get_a_clear_private_answer(
    endpoints: Endpoints, short_tmp: Path, command: str, options: dict[str, str], reason: str
) -> None:
    """Values Discord would let through (or a tampered client sends) are refused with a reason."""

    async with world(endpoints, short_tmp) as w:
        answer = await _relayed(w, command, options)
        assert answer.startswith("⚠️ ")
        assert reason in answer
        assert "Play window: 16:00 to 00:00, 8 hours" in await w.say(w.town.admin, "config show")


async def test_discord_refuses_a_21_hour_window_before_the_bot_sees_it(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The option's declared maximum is 20, so the client cannot even send 21."""

    async with world(endpoints, short_tmp) as w:
        with pytest.raises(Refused):
            await w.emu.driver.slash(
                w.town.admin, w.town.text, "config window", {"start": 18, "hours": 21}
            )


async def test_the_channel_must_be_a_text_channel_and_voice_a_voice_channel(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Mixing up channel kinds is refused with a reason."""

    async with world(endpoints, short_tmp) as w:
        admin, town = w.town.admin, w.town
        said = await w.say(admin, "config channel", channel=town.voice.id)
        assert said == "⚠️ The daily message needs a text channel."
        said = await w.say(admin, "config voice", channel=town.text.id, counted=True)
        assert said == "⚠️ That is not a voice channel."


async def test_setting_the_channel_says_when_the_daily_message_comes(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Before the post time, the answer says when the first message comes, and none is posted."""
    async with world(endpoints, short_tmp) as w:
        admin = w.town.admin
        await w.say(admin, "config timezone", zone="Europe/Paris")
        await w.say(admin, "config time", time="23:30")
        answer = await w.say(admin, "config channel", channel=w.town.text.id)
        today = datetime.fromtimestamp(w.clock.now(), PARIS).date()
        due = datetime.combine(today, time(23, 30), PARIS)
        assert f"The next daily message is posted <t:{int(due.timestamp())}:R>." in answer
        assert w.daily() is None


async def test_setting_the_channel_after_the_post_time_posts_today_once(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """After the post time, the answer says today's message is posted now, and it is, once."""
    async with world(endpoints, short_tmp) as w:
        admin = w.town.admin
        await w.say(admin, "config timezone", zone="Europe/Paris")
        await w.say(admin, "config time", time="09:00")
        answer = await w.say(admin, "config channel", channel=w.town.text.id)
        assert "Today's message is posted now." in answer
        await w.daily_posted()
        posts = [
            m
            for m in w.emu.driver.messages(w.town.text, admin)
            if m.content.startswith("## Who plays today?")
        ]
        assert len(posts) == 1


async def test_a_post_time_after_the_window_is_refused_and_says_what_to_change(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """23:30 for a window of 00:00-04:00 (or the window, for the time) is refused, unsaved."""
    async with world(endpoints, short_tmp) as w:
        admin = w.town.admin
        await w.say(admin, "config time", time="01:00")
        assert (await w.say(admin, "config window", start=0, hours=4)).startswith("Saved.")
        refused = await w.say(admin, "config time", time="23:30")
        assert "would come after the play window (00:00-04:00) is over" in refused
        assert "Pick a post time before 04:00" in refused
        assert "at 01:00" in await w.say(admin, "config show")
        assert (await w.say(admin, "config window", start=18, hours=4)).startswith("Saved.")
        assert (await w.say(admin, "config time", time="20:00")).startswith("Saved.")
        refused = await w.say(admin, "config window", start=10, hours=2)
        assert "A daily message at 20:00 would come after the play window (10:00-12:00)" in refused
        assert "Play window: 18:00 to 22:00" in await w.say(admin, "config show")


async def test_a_custom_hour_emoji_must_be_one_of_the_servers_own(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """The server's <:party:id> is saved and reacted with; an unknown one, another server's, or
    one the server has since deleted gets a clear private refusal and nothing is saved."""

    async with world(endpoints, short_tmp) as w:
        admin, town, emu = w.town.admin, w.town, w.emu
        party = emu.driver.add_emoji(town.guild, "party")
        elsewhere = emu.driver.add_guild("Elsewhere")
        theirs = emu.driver.add_emoji(elsewhere, "theirs")
        view = w.scheduler.roster.guild(town.guild.id)
        await w.until(
            lambda: view.emojis is not None and party.id in view.emojis,
            "the scheduler to learn the server's new emoji",
        )
        for typed, shown in (
            ("<:blob:123456789>", "<:blob:123456789>"),
            (f"<:theirs:{theirs.id}>", f"<:theirs:{theirs.id}>"),
        ):
            refused = await w.say(admin, "config window", start=18, hours=2, emoji=f"{typed} 🎮")
            assert refused == (
                f"⚠️ {shown} is not an emoji of this server: use the server's own emoji or"
                " standard ones, so that members can click them."
            )
        assert "Play window: 16:00 to 00:00, 8 hours" in await w.say(admin, "config show")
        await w.say(admin, "config timezone", zone="Europe/Paris")
        # Discord reads a custom emoji by its id: a wrong name is saved under the server's.
        saved = await w.say(
            admin, "config window", start=18, hours=2, emoji=f"<a:old:{party.id}> 🎮"
        )
        assert saved.startswith("Saved.")
        assert f"Play window: 18:00 to 20:00, 2 hours: <:party:{party.id}> 🎮" in saved
        assert "Today's message is posted now." in await w.say(
            admin, "config channel", channel=town.text.id
        )
        await w.until(
            lambda: (
                (m := w.daily()) is not None
                and [r.emoji for r in m.reactions] == [f"party:{party.id}", "🎮"]
            ),
            "the daily message with the server's emoji as a reaction",
        )
        emu.driver.remove_emoji(party)
        await w.until(lambda: not view.emojis, "the scheduler to learn the emoji is gone")
        refused = await w.say(
            admin, "config window", start=18, hours=2, emoji=f"<:party:{party.id}> 🎮"
        )
        assert refused.startswith(f"⚠️ <:party:{party.id}> is not an emoji of this server")


@pytest.mark.parametrize(
    ("emojis", "hour_emoji", "reason"),
    [
        (None, ["party:1", "🎮"], "I do not know this server's emoji yet: try again in a moment."),
        (
            {1: EmojiFacts(emoji_id=1, name="party", available=False)},
            ["party:1"],
            "<:party:1> cannot be used in this server any more (it went with the server's boosts).",
        ),
    ],
)
def test_custom_emoji_the_scheduler_cannot_vouch_for_are_refused(
    emojis: dict[int, EmojiFacts] | None, hour_emoji: list[str], reason: str
) -> None:
    """Before the gateway has told the server's emoji, or for one the server lost: refused."""
    view = GuildView(guild_id=1, emojis=emojis)
    with pytest.raises(Refusal) as refused:
        the_guilds_own(hour_emoji, view)
    assert str(refused.value) == reason
    assert the_guilds_own(["🎮", "🇦"], view) == ["🎮", "🇦"]


async def test_another_servers_channel_or_role_is_refused(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """/config channel (voice, quorum, rank) with another server's channel or role: refused,
    and nothing is posted over there."""

    async with world(endpoints, short_tmp) as w:
        admin, driver = w.town.admin, w.emu.driver
        other = driver.add_guild("Elsewhere")
        text = driver.add_text_channel(other, "their-general")
        voice = driver.add_voice_channel(other, "their-lobby")
        role = driver.add_role(other, "Their role")
        not_here = "⚠️ That channel is not in this server."
        assert await w.say(admin, "config channel", channel=text.id) == not_here
        assert await w.say(admin, "config voice", channel=voice.id, counted=True) == not_here
        assert await w.say(admin, "config quorum", size=2, channel=text.id) == not_here
        said = await w.say(admin, "config rank", role=role.id, emoji="👑")
        assert said == "⚠️ That role is not in this server."
        shown = await w.say(admin, "config show")
        assert "Daily message: not set" in shown
        assert "Counted voice channels: none" in shown
        assert "Rank emoji: none" in shown
        await w.say(admin, "config channel", channel=w.town.text.id)
        await w.daily_posted()
        assert driver.messages(text, driver.owner(other)) == []


async def test_a_server_the_roster_does_not_know_yet_saves_no_channel(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Before the gateway's snapshot of a server, no channel or role is taken on trust."""

    async with world(endpoints, short_tmp) as w:
        for command, options, said in [
            ("config channel", {"channel": str(w.town.text.id)}, "channels yet"),
            ("config voice", {"channel": str(w.town.voice.id), "counted": "true"}, "channels yet"),
            ("config rank", {"role": str(w.town.admins.id), "emoji": "👑"}, "roles yet"),
        ]:
            answer = await w.relay(
                kind="command",
                member=w.town.admin,
                permissions=1 << 5,
                guild_id=4242,
                command=command,
                options=options,
            )
            assert answer.content.startswith("⚠️ I do not know this server's")
            assert said in answer.content


ZONE = "Europe/" + "x" * 5993  # 6,000 characters: Discord lets a string option hold that many
TIME = "1" * 100_000
HOURS = "1" + "0" * 5000  # 10^5000


async def test_over_long_inputs_get_a_short_answer_that_does_not_quote_them(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """A 6,000-character zone (Discord lets it through), a 100,000-digit time and a window
    of 10^5000 hours (Discord refuses both; a tampered relay does not): a short refusal."""

    async with world(endpoints, short_tmp) as w:
        admin, driver = w.town.admin, w.emu.driver
        answers = [
            await w.say(admin, "config timezone", zone=ZONE),
            await w.say(admin, "timezone set", zone=ZONE),
            await w.say(admin, "config time", time=TIME[:6000]),
            await _relayed(w, "config time", {"time": TIME}),
            await _relayed(w, "config window", {"start": "18", "hours": HOURS}),
            await _relayed(w, "config window", {"start": "18", "hours": HOURS[:4300]}),
        ]
        for answer in answers:
            assert answer.startswith("⚠️ ")
            assert len(answer) < 200
            assert "x" * 40 not in answer
            assert "1" * 40 not in answer
            assert "0" * 40 not in answer
        assert answers[0] == (
            "⚠️ What you sent (6,000 characters) is not a timezone: pick one of the suggestions."
        )
        assert (
            answers[4] == "⚠️ `hours` must be a whole number, not what you sent (5,001 characters)."
        )
        with pytest.raises(Refused, match="at most 6000 characters"):
            await driver.slash(admin, w.town.text, "config time", {"time": TIME})
        with pytest.raises(Refused, match="within"):
            await driver.slash(
                admin, w.town.text, "config window", {"start": 18, "hours": 10**5000}
            )
        assert "12:00 (UTC)" in await w.say(admin, "config show")
