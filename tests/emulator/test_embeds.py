"""Embeds: Discord's limits (50035 naming the field) and the ``rich`` embed it keeps."""

from typing import Any

import pytest

from emulator import Emulator
from tests.emulator.support import api, small_community


def field(name: str = "18:00", value: str = "alice, bob") -> dict[str, Any]:
    return {"name": name, "value": value}


@pytest.mark.parametrize(
    ("embeds", "where", "code"),
    [
        ([{"description": "x" * 4097}], "embeds.0.description", "BASE_TYPE_MAX_LENGTH"),
        ([{"title": "x" * 257}], "embeds.0.title", "BASE_TYPE_MAX_LENGTH"),
        ([{"fields": [field()] * 26}], "embeds.0.fields", "BASE_TYPE_MAX_LENGTH"),
        ([{"fields": [{"name": "18:00"}]}], "embeds.0.fields.0.value", "BASE_TYPE_REQUIRED"),
        ([{"fields": [field(value="   ")]}], "embeds.0.fields.0.value", "BASE_TYPE_REQUIRED"),
        (
            [{"fields": [field(value="x" * 1025)]}],
            "embeds.0.fields.0.value",
            "BASE_TYPE_MAX_LENGTH",
        ),
        ([{"footer": {"text": "x" * 2049}}], "embeds.0.footer.text", "BASE_TYPE_MAX_LENGTH"),
        (
            [{"author": {"url": "https://example.org"}}],
            "embeds.0.author.name",
            "BASE_TYPE_REQUIRED",
        ),
        ([{"description": "x" * 4000}] * 2, "embeds", "MAX_EMBED_SIZE_EXCEEDED"),
        ([{"title": "x"}] * 11, "embeds", "BASE_TYPE_MAX_LENGTH"),
        ([123], "embeds.0", "MODEL_TYPE_CONVERT"),
        ([{"color": 0x1000000}], "embeds.0.color", "NUMBER_TYPE_MAX"),
        ([{"timestamp": "yesterday"}], "embeds.0.timestamp", "DATE_TIME_TYPE_PARSE"),
    ],
)
async def test_embeds_over_discords_limits_are_invalid_form_body(
    embeds: list[Any], where: str, code: str
) -> None:
    """Each limit of Message > Embed Limits is 400 50035 at the field; nothing is posted."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answer = await rest.post_message(town.text.id, {"embeds": embeds})
        assert (answer.status, answer.code) == (400, 50035)
        assert code in answer.field_codes()[where]
        assert emu.driver.messages(town.text, town.alice) == []


async def test_embeds_at_the_limits_are_kept_as_rich_and_trimmed() -> None:
    """4096 characters, 25 fields and 6000 in all pass; the embed comes back ``rich``, trimmed,
    fields ``inline: false``, unknown keys and nulls dropped."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        embeds = [
            {"description": "x" * 4096, "type": "article", "mood": "ok", "url": None},
            {"title": "  Today  ", "fields": [field("n", "v" * 50)] * 25, "footer": {"text": "f"}},
        ]
        assert 4096 + len("Today") + 25 * 51 + 1 <= 6000
        answer = await rest.post_message(town.text.id, {"embeds": embeds})
        assert answer.status == 200, answer.body
        first, second = answer.body["embeds"]
        assert first["type"] == second["type"] == "rich"
        assert set(first) & {"mood", "url"} == set()
        assert second["title"] == "Today"
        assert second["fields"][0] == {"name": "n", "value": "v" * 50, "inline": False}
        seen = emu.driver.message(int(answer.body["id"]), town.alice)
        assert seen.embeds == tuple(answer.body["embeds"])
