"""Rich embeds: what a bot may send, Discord's limits on them, and the embed Discord keeps.

Sources: Discord's docs, Message resource > Embed Object (structure and "Embed Limits") and
Create Message ("Up to 10 rich embeds (up to 6000 characters)"); the OpenAPI description's
``RichEmbed`` for the nullable fields and the colour range. A bot's embed is always stored as
``type: "rich"``, with leading and trailing whitespace trimmed ("they are trimmed
automatically"), and the limits are measured on the trimmed text.
"""

from datetime import UTC, datetime

import msgspec

from emulator.rules.errors import FieldPath, FormErrors

MAX_EMBEDS = 10
TITLE_LENGTH = 256
DESCRIPTION_LENGTH = 4096
MAX_FIELDS = 25
FIELD_NAME_LENGTH = 256
FIELD_VALUE_LENGTH = 1024
FOOTER_LENGTH = 2048
AUTHOR_LENGTH = 256
TOTAL_LENGTH = 6000
"""title, description, field names and values, footer text and author name, over all embeds."""
MAX_COLOR = 0xFFFFFF


class EmbedFooter(msgspec.Struct, kw_only=True):
    text: str | None = None
    icon_url: str | None = None


class EmbedAuthor(msgspec.Struct, kw_only=True):
    name: str | None = None
    url: str | None = None
    icon_url: str | None = None


class EmbedMedia(msgspec.Struct, kw_only=True):
    """An embed's image, thumbnail or video."""

    url: str | None = None
    width: int | None = None
    height: int | None = None


class EmbedProvider(msgspec.Struct, kw_only=True):
    name: str | None = None
    url: str | None = None


class EmbedField(msgspec.Struct, kw_only=True):
    name: str
    value: str
    inline: bool | None = None


class Embed(msgspec.Struct, kw_only=True):
    """An embed as sent; unknown keys are dropped, as Discord does."""

    title: str | None = None
    type: str | None = None
    description: str | None = None
    url: str | None = None
    timestamp: str | None = None
    color: int | None = None
    footer: EmbedFooter | None = None
    image: EmbedMedia | None = None
    thumbnail: EmbedMedia | None = None
    video: EmbedMedia | None = None
    provider: EmbedProvider | None = None
    author: EmbedAuthor | None = None
    fields: list[EmbedField] | None = None


def _trim(text: str | None) -> str | None:
    return text.strip() if text is not None else None


def normalised(embed: Embed) -> Embed:
    """The embed Discord keeps: ``rich``, trimmed, with a UTC timestamp."""
    replace = msgspec.structs.replace
    return replace(
        embed,
        type="rich",
        title=_trim(embed.title),
        description=_trim(embed.description),
        footer=replace(embed.footer, text=_trim(embed.footer.text)) if embed.footer else None,
        author=replace(embed.author, name=_trim(embed.author.name)) if embed.author else None,
        fields=[
            replace(f, name=f.name.strip(), value=f.value.strip(), inline=bool(f.inline))
            for f in embed.fields or []
        ]
        or None,
        timestamp=_timestamp(embed.timestamp),
    )


def _timestamp(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # refused by check_embeds
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def check_embeds(embeds: list[Embed], found: FormErrors) -> list[Embed]:
    """The embeds normalised; every limit they break is added to ``found``."""
    if len(embeds) > MAX_EMBEDS:
        found.max_length(("embeds",), MAX_EMBEDS)
    kept = [normalised(e) for e in embeds]
    total = 0
    for index, embed in enumerate(kept):
        total += _check_embed(embed, ("embeds", index), found)
    if total > TOTAL_LENGTH:
        found.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {TOTAL_LENGTH}",
        )
    return kept


def _check_embed(embed: Embed, path: FieldPath, found: FormErrors) -> int:
    """Check one (normalised) embed; returns its length towards the 6000."""

    def limit(where: FieldPath, text: str | None, most: int) -> int:
        if text is not None and len(text) > most:
            found.max_length((*path, *where), most)
        return len(text or "")

    size = limit(("title",), embed.title, TITLE_LENGTH)
    size += limit(("description",), embed.description, DESCRIPTION_LENGTH)
    if embed.footer is not None:
        if not embed.footer.text:
            found.required((*path, "footer", "text"))
        size += limit(("footer", "text"), embed.footer.text, FOOTER_LENGTH)
    if embed.author is not None:
        if not embed.author.name:
            found.required((*path, "author", "name"))
        size += limit(("author", "name"), embed.author.name, AUTHOR_LENGTH)
    fields = embed.fields or []
    if len(fields) > MAX_FIELDS:
        found.max_length((*path, "fields"), MAX_FIELDS)
    for index, field in enumerate(fields):
        # A field needs both a name and a value (Embed Field Structure); blank is absent.
        for key, text, most in (
            ("name", field.name, FIELD_NAME_LENGTH),
            ("value", field.value, FIELD_VALUE_LENGTH),
        ):
            if not text:
                found.required((*path, "fields", index, key))
            size += limit(("fields", index, key), text, most)
    if embed.color is not None and not 0 <= embed.color <= MAX_COLOR:
        if embed.color < 0:
            found.too_small((*path, "color"), 0)
        else:
            found.too_big((*path, "color"), MAX_COLOR)
    if embed.timestamp is not None:
        try:
            datetime.fromisoformat(embed.timestamp)
        except ValueError:
            found.add(
                (*path, "timestamp"),
                "DATE_TIME_TYPE_PARSE",
                f"Could not parse {embed.timestamp}. Should be ISO8601.",
            )
    return size
