"""Names made inert for Discord: the cleaning rule, case by case."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from bus.endpoints import Endpoints
from emulator import Emulator
from emulator.rules.state import Member
from services.scheduler.names import MAX_NAME, NO_NAME, inert, plain, visible
from tests.emulator.support import Community
from tests.services.scheduler.support import PARIS, World, world

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("\u202eevil", "evil"),  # RIGHT-TO-LEFT OVERRIDE
        ("a\u202ab\u202bc\u202cd\u202de", "abcde"),  # embeddings, pop
        ("\u2066a\u2067b\u2068c\u2069", "abc"),  # isolates
        ("a\u200bb\u200cc\u200dd\u200ee\u200ff", "abcdef"),  # zero-width, marks
        ("\ufeffa\u2060b\u00adc\u061cd", "abcd"),  # BOM, word joiner, soft hyphen, ALM
        ("two\nlines\r\there", "two lines here"),
        ("  lots   of\u3000space ", "lots of space"),
        ("\u202e", ""),
    ],
)
def test_controls_are_removed(name: str, shown: str) -> None:
    """Bidi, zero-width and other format controls go; breaks and spaces become one space."""
    assert visible(name) == shown


@pytest.mark.parametrize(
    "emoji",
    [
        "👨\u200d👩\u200d👧",  # family: pictographs joined by ZWJ
        "🏳\ufe0f\u200d🌈",  # rainbow flag: VS16 then ZWJ
        "👍🏽",  # skin tone
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
    ],
)
def test_emoji_sequences_survive(emoji: str) -> None:
    """The joiners and tags that make one emoji of several are kept."""
    assert inert(f"x {emoji}") == f"x {emoji}"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (
            "**bold** __u__ ~~s~~ ||spoiler|| `code`",
            r"\*\*bold\*\* \_\_u\_\_ \~\~s\~\~ \|\|spoiler\|\| \`code\`",
        ),
        ("[x](https://e.vil)", r"\[x\](https\://e.vil)"),
        ("a\\b", r"a\\b"),
        ("# big", r"\# big"),
        ("-# small", r"\-# small"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("1. first", r"1\. first"),
        ("> quote", r"\> quote"),
        ("mid - dash # hash 2. two", "mid - dash # hash 2. two"),
    ],
)
def test_markdown_is_escaped(name: str, shown: str) -> None:
    """Emphasis, spoilers, code, masked links and line-start blocks show as typed."""
    assert inert(name) == shown


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("@everyone", f"@{ZWSP}everyone"),
        ("@HERE", f"@{ZWSP}HERE"),
        ("<@123>", rf"\<@{ZWSP}123\>"),
        ("<@!123>", rf"\<@{ZWSP}!123\>"),
        ("<@&456>", rf"\<@{ZWSP}&456\>"),
        ("<#789>", r"\<#789\>"),
        ("<t:0:R>", r"\<t:0:R\>"),
        ("<:party:1>", r"\<:party:1\>"),
        ("me@mail", "me@mail"),
    ],
)
def test_mentions_stay_text(name: str, shown: str) -> None:
    """No mention, role, channel, timestamp or custom emoji is drawn, nor parsed as a ping."""
    assert inert(name) == shown


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("https://e.vil/x", r"https\://e.vil/x"),
        ("HTTP://E.VIL", r"HTTP\://E.VIL"),
        ("steam://run/1", r"steam\://run/1"),
        ("<https://e.vil>", r"\<https\://e.vil\>"),
        ("ht\u200btps://e.vil", r"https\://e.vil"),  # a hidden character does not hide it
    ],
)
def test_links_are_not_links(name: str, shown: str) -> None:
    """A scheme's ``://`` is split so Discord neither links nor unfurls it."""
    assert inert(name) == shown
    assert re.search(r"[A-Za-z]://", inert(name)) is None


def test_plain_names_keep_their_characters() -> None:
    """Where Discord shows text as is (an event's name) only the controls go."""
    assert plain("\u202e**x** @everyone https://e.vil") == "**x** @everyone https://e.vil"


def test_empty_and_long_names() -> None:
    """A name of nothing but controls is named so; a name past the cap is cut."""
    assert inert("\u200b\u202e") == NO_NAME
    assert plain("") == NO_NAME
    long = visible("x" * 5000)
    assert len(long) == MAX_NAME
    assert long.endswith("…")


# End to end: the names as members see them, through the real gateway and the emulator.

MEMBERS = {
    "rtl": "\u202eevil",  # would reverse the rest of the hour's line
    "url": "https://e.vil/x",  # would be a link, and an embed
    "loud": "**bold** @everyone <@123>",  # bold, a mass ping, a user mention
}


def _add_members(emu: Emulator, town: Community, _connection: sqlite3.Connection) -> None:
    for username, nick in MEMBERS.items():
        emu.driver.add_member(town.guild, username, nick=nick)


def _member(w: World, username: str) -> Member:
    return next(
        m for m in w.town.guild.members.values() if w.emu.world.user(m.user_id).username == username
    )


async def test_names_in_the_daily_message_are_inert(endpoints: Endpoints, short_tmp: Path) -> None:
    """A bidi override, a URL and markdown with mentions show as typed and ping nobody."""

    async with world(endpoints, short_tmp, history=_add_members) as w:
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
        for username in MEMBERS:
            await w.emu.driver.react(_member(w, username), posted.id, "🇦")
        message = await w.daily_says("**3** ·")
        start = int(datetime(2026, 3, 10, 18, tzinfo=PARIS).timestamp())
        assert (
            f"🇦 <t:{start}:t> · **3** · \\*\\*bold\\*\\* @{ZWSP}everyone \\<@{ZWSP}123\\> 👍,"
            " evil 👍, https\\://e.vil/x 👍"
        ) in message.content.splitlines()
        assert "\u202e" not in message.content
        assert "https://" not in message.content
        assert message.pinged == frozenset()
        assert message.mentions == ()
        assert all(not w.emu.driver.notifications(_member(w, u)) for u in MEMBERS)
        _every_message_says_whom_it_may_ping(w)


def _every_message_says_whom_it_may_ping(w: World) -> None:
    """Every message the bot sent or edited (posts, edits, interaction answers) carried an
    explicit ``allowed_mentions`` that lets no @everyone, @here or role through."""
    bodies = 0
    for record in w.emu.requests.records:
        if record.method not in ("POST", "PATCH") or not isinstance(record.body, dict):
            continue
        data = record.body.get("data") if record.route.endswith("/callback") else record.body
        if not isinstance(data, dict) or "content" not in data:
            continue
        bodies += 1
        allowed = data.get("allowed_mentions")
        assert isinstance(allowed, dict), record.key
        assert allowed.get("parse") == [], record.key
    assert bodies > 5  # the config answers, the post and its edits


async def test_names_in_a_scheduled_event_are_inert(endpoints: Endpoints, short_tmp: Path) -> None:
    """The event's name (plain text on Discord) loses the controls; its description (markdown)
    is escaped like a message."""

    async with world(endpoints, short_tmp, discord_follows=True, history=_add_members) as w:
        town, driver = w.town, w.emu.driver
        await w.configure(start=18, hours=4)
        posted = await w.daily_posted()
        await w.until(lambda: len(w.posted().reactions) == 4, "the hour reactions")
        await w.say(town.admin, "config voice", channel=town.voice.id, counted=True)
        await w.say(town.admin, "config quorum", size=2)
        await w.say(town.admin, "config events", enabled=True)
        for username in ("rtl", "url"):
            await driver.react(_member(w, username), posted.id, "🇨")
        await w.until(lambda: len(driver.scheduled_events(town.guild)) == 1, "the event")
        event = driver.scheduled_events(town.guild)[0]
        assert event.name == "🎮 2 players: evil, https://e.vil/x"
        assert event.description is not None
        assert event.description.startswith("In: evil, https\\://e.vil/x.\n\nref ")
