"""Buttons and selects: what Discord refuses (50035 with its ``errors`` tree) and accepts."""

from typing import Any

import pytest

from emulator import Emulator
from tests.emulator.support import api, small_community


def button(**fields: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Join", "custom_id": "join"} | fields


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


def select(custom_id: str, values: list[str]) -> dict[str, Any]:
    return {
        "type": 3,
        "custom_id": custom_id,
        "options": [{"label": v, "value": v} for v in values],
    }


@pytest.mark.parametrize(
    ("components", "field", "code"),
    [
        (
            [row(button()), row(button(label="Again"))],
            "components.1.components.0.custom_id",
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        (
            [row(button(custom_id="hours"), select("hours", ["18"]))],
            "components.0.components.1.custom_id",
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        (
            [row(button(custom_id=None))],
            "components.0.components.0.custom_id",
            "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
        ),
        (
            [row(button(style=5, url="https://example.org"))],
            "components.0.components.0.custom_id",
            "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE",
        ),
        (
            [row(button(url="https://example.org"))],
            "components.0.components.0.custom_id",
            "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE",
        ),
        (
            [row(button(style=5, custom_id=None))],
            "components.0.components.0.url",
            "BUTTON_COMPONENT_URL_REQUIRED",
        ),
        (
            [row(button(custom_id="x" * 101))],
            "components.0.components.0.custom_id",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            [row(button(custom_id=""))],
            "components.0.components.0.custom_id",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            [row(button(label="x" * 81))],
            "components.0.components.0.label",
            "BASE_TYPE_MAX_LENGTH",
        ),
        ([row(button(style=9))], "components.0.components.0.style", "BASE_TYPE_CHOICES"),
        (
            [row(button(emoji={"name": "thumbsup"}))],
            "components.0.components.0.emoji",
            "BUTTON_COMPONENT_INVALID_EMOJI",
        ),
        (
            [row(button(emoji={"name": "blob", "id": "123"}))],
            "components.0.components.0.emoji",
            "BUTTON_COMPONENT_INVALID_EMOJI",
        ),
        (
            [row(select("hours", ["18", "18"]))],
            "components.0.components.0.options.1.value",
            "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
        ),
        (
            [row(select("hours", ["18"]) | {"max_values": 2})],
            "components.0.components.0.max_values",
            "NUMBER_TYPE_MAX",
        ),
        (
            [row(select("h" * 101, ["18"]))],
            "components.0.components.0.custom_id",
            "BASE_TYPE_BAD_LENGTH",
        ),
    ],
)
async def test_components_discord_refuses_are_invalid_form_body(
    components: list[dict[str, Any]], field: str, code: str
) -> None:
    """Each broken rule is 400 50035 naming the field and Discord's code; nothing is posted."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answer = await rest.post_message(town.text.id, {"content": "x", "components": components})
        assert (answer.status, answer.code) == (400, 50035)
        assert code in answer.field_codes()[field]
        assert emu.driver.messages(town.text, town.alice) == []


async def test_every_broken_rule_is_reported_at_once() -> None:
    """Like Discord, the errors tree lists all bad fields of the body, not only the first."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        components = [row(button(label="x" * 81, style=5, url="https://example.org"))]
        answer = await rest.post_message(
            town.text.id, {"content": "y" * 2001, "components": components}
        )
        assert answer.field_codes() == {
            "content": ["BASE_TYPE_MAX_LENGTH"],
            "components.0.components.0.label": ["BASE_TYPE_MAX_LENGTH"],
            "components.0.components.0.custom_id": [
                "BUTTON_COMPONENT_CUSTOM_ID_URL_MUTUALLY_EXCLUSIVE"
            ],
        }


async def test_valid_components_with_nulls_come_back_normalised() -> None:
    """Limits met exactly, explicit nulls, link buttons and known emoji are accepted; the
    message comes back with Discord's defaults filled (ids, ``disabled``, ``min_values``)."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        party = emu.driver.add_emoji(town.guild, "party")
        components = [
            row(
                button(custom_id="x" * 100, label="l" * 80, disabled=None, emoji={"name": "🎮"}),
                button(
                    style=5,
                    custom_id=None,
                    url="https://example.org",
                    label=None,
                    emoji={"name": "party", "id": str(party.id)},
                ),
                button(
                    style=2, custom_id="a", label=None, emoji={"name": "🇦", "id": None}, url=None
                ),
            ),
            row(select("hours", ["18", "19"]) | {"min_values": None, "placeholder": None}),
        ]
        answer = await rest.post_message(town.text.id, {"content": "x", "components": components})
        assert answer.status == 200, answer.body
        first, second = answer.body["components"]
        assert [b["disabled"] for b in first["components"]] == [False, False, False]
        assert first["components"][1]["emoji"] == {"name": "party", "id": str(party.id)}
        assert "custom_id" not in first["components"][1]
        assert (second["components"][0]["min_values"], second["components"][0]["max_values"]) == (
            1,
            1,
        )
        ids = [first["id"], *(c["id"] for c in first["components"]), second["id"]]
        assert ids == sorted(set(ids))
        seen = emu.driver.message(int(answer.body["id"]), town.alice)
        assert [b.label for b in seen.buttons] == ["l" * 80, None, None]
