"""Names typed by members (and server and role names), made inert before Discord shows them.

A display name is whatever its member typed: it must show as typed and do nothing else. Three
harms, three steps, in this order (each later step must see what the earlier one left):

1. **Controls go.** Format characters (Unicode category Cf: the bidi embeddings, overrides and
   isolates U+202A-U+202E and U+2066-U+2069, the marks U+200E/U+200F and U+061C, the zero-width
   U+200B-U+200D, U+2060-U+2064, U+FEFF, soft hyphen, tags...) are removed: U+202E reverses the
   rest of the line it sits in, so the daily message's hour line would read backwards, and the
   zero-width ones hide a link or a mention from the steps below ("ht<ZWSP>tps://"). Two uses
   are kept because removing them breaks an emoji the member chose: U+200D joining two
   pictographs (👨‍👩‍👧, 🏳️‍🌈) and the tag run of a subdivision flag (🏴 + tags), the
   ZWJ and tag sequences of Unicode TS #51.
   Line breaks and other C0/C1 controls become a space (a name is one line), surrogates go
   (they cannot be sent as UTF-8), and runs of spaces are one space, as Discord trims its own
   names ("Names are sanitized and trimmed of leading, trailing, and excessive internal
   whitespace", Discord's docs, User resource, Usernames and Nicknames).
2. **Markdown is escaped** with a backslash, which Discord's renderer drops ("\\*" shows "*";
   its markdown is simple-markdown's, whose escape rule takes any ``[^0-9A-Za-z\\s]``): every
   ``\\ * _ ~ | ` < > [ ]`` (emphasis, spoilers, code, quotes, masked links, and the ``<``
   that starts ``<@id>``, ``<@&id>``, ``<#id>``, ``<t:...>``, ``<:emoji:id>`` and ``<url>``),
   and the block markers that act only at the start of a line (``#`` headings and ``-#``
   subtext, ``-``/``+`` list items, ``1.`` numbered items), since a name may begin a line.
3. **Mentions and links stay text.**
   - ``@everyone``, ``@here`` and ``@<digits>`` get a zero-width space after the ``@``, as
     discord.py's ``utils.escape_mentions`` does: a backslash hides a mention from the
     reader's client but not from Discord's server ("if you escape the opening angle
     bracket it doesn't pretty format but it still pings", wiki.raccoon.fun's Discord
     formatting notes). The bot's messages also carry an explicit ``allowed_mentions``
     (``services/gateway/rest.py``) that pings nobody named here: the zero-width space is
     the second lock, for the day one is missing.
   - A URL's scheme separator gets a backslash (``https\\://e.vil/x``; every ``scheme://``
     is split, to be safe). Discord links a bare ``https://`` URL wherever it appears: its
     url rule (simple-markdown's ``^(https?:\\/\\/[^\\s<]+...)``) matches the raw
     characters, and a backslash *before* a link does not unlink it ("a 'plain' link isn't
     based on Markdown, so \\ won't 'unlink' it", Discord Markdown 201,
     paradoxv5.github.io/Discord-Markdown). A backslash *inside* the scheme breaks that
     match, renders as nothing (escape rule), and leaves no ``scheme://`` in the content
     for Discord's server to unfurl into an embed. Wrapping in ``<url>`` would not do: it
     suppresses the embed but the link stays clickable ("To display a link but no preview,
     surround the URL with angle brackets", htyp.org's Discord formatting notes;
     discord.js issue #9852).

``inert`` is for text Discord renders as markdown (message content, an event's description);
``plain`` for text it shows as is (a scheduled event's name), where a backslash would show.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME = 100
"""Characters of a name shown at most: Discord's own names are 32 at most (User resource), so
only a name that did not come from Discord is cut; its escaped form may be twice as long."""
NO_NAME = "(no name)"

_ZWJ = "\u200d"
_BLACK_FLAG = "\U0001f3f4"  # 🏴, which a run of tag characters turns into a subdivision's flag
_TAGS = range(0xE0020, 0xE007F + 1)  # tag letters, then CANCEL TAG that ends the run
_MARKDOWN = re.compile(r"([\\*_~|`<>\[\]])")
_LINE_START = re.compile(r"^(?:([#+-])|(\d+)(\.))")
_MENTION = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?=//)")


def _pictograph(char: str) -> bool:
    """An emoji that a zero-width joiner may join: a symbol, a skin tone or VS16."""
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f"


def _kept_format(text: str, index: int) -> bool:
    """Whether the format character at ``index`` is part of an emoji (see the docstring)."""
    char = text[index]
    if char == _ZWJ:
        return 0 < index < len(text) - 1 and (
            _pictograph(text[index - 1]) and _pictograph(text[index + 1])
        )
    if ord(char) in _TAGS:
        start = index
        while start > 0 and ord(text[start - 1]) in _TAGS:
            start -= 1
        return start > 0 and text[start - 1] == _BLACK_FLAG
    return False


def visible(name: str) -> str:
    """``name`` without controls, on one line, trimmed, at most ``MAX_NAME`` characters."""
    kept: list[str] = []
    for index, char in enumerate(name):
        category = unicodedata.category(char)
        if category == "Cf" and not _kept_format(name, index):
            continue
        if category == "Cs":
            continue
        kept.append(" " if category == "Cc" else char)
    text = " ".join("".join(kept).split())
    if len(text) > MAX_NAME:
        text = text[: MAX_NAME - 1].rstrip() + "…"
    return text


def plain(name: str) -> str:
    """A name for text Discord shows without markdown (a scheduled event's name)."""
    return visible(name) or NO_NAME


def inert(name: str) -> str:
    """A name for message text: shown as typed, never formatting, mentioning or linking."""
    text = visible(name)
    if not text:
        return NO_NAME
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    text = _MENTION.sub("@\u200b", text)
    return _SCHEME.sub(r"\1\\:", text)
