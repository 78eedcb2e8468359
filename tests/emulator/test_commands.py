"""Application commands: Discord's naming and option rules, all-or-nothing overwrites, and the
command object as Discord returns it."""

from typing import Any

import pytest

from emulator import Emulator
from tests.emulator.support import Api, api, small_community


def option(name: str, *, required: bool | None = False, **fields: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": f"the {name}", "required": required} | fields


def chat(name: str, *options: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": f"/{name}", "options": list(options)} | fields


def sub(name: str, *options: dict[str, Any]) -> dict[str, Any]:
    """A subcommand (type 1) holding ``options``."""
    return {"type": 1, "name": name, "description": f"{name} it", "options": list(options)}


def group(name: str, *subcommands: dict[str, Any]) -> dict[str, Any]:
    """A subcommand group (type 2) holding ``subcommands``."""
    return {"type": 2, "name": name, "description": f"the {name}s", "options": list(subcommands)}


def path(emu: Emulator, guild_id: int) -> str:
    return f"/applications/{emu.application_id}/guilds/{guild_id}/commands"


def global_path(emu: Emulator) -> str:
    return f"/applications/{emu.application_id}/commands"


def sized(described: int) -> dict[str, Any]:
    """/sized with 25 options of two long choices: 11 + 25 x (9 + ``described`` + 301) counted
    characters (names, descriptions, choice names and values): 7761 for 6, 8011 for 16."""
    choices = [{"name": "c" * 100, "value": "v" * 100}, {"name": "n" * 100, "value": 1}]
    return chat(
        "sized",
        *(option(f"o{i}", description="d" * described, choices=choices) for i in range(10, 35)),
    )


async def stored_names(rest: Api, guild_id: int) -> list[str]:
    answer = await rest.call("GET", path(rest.emu, guild_id))
    assert answer.status == 200
    return sorted(c["name"] for c in answer.body)


@pytest.mark.parametrize(
    ("commands", "field", "code"),
    [
        (
            [chat("plan", option("when"), option("where", required=True))],
            "0.options.1",
            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        ),
        ([chat("plan", option("When"))], "0.options.0.name", "APPLICATION_COMMAND_INVALID_NAME"),
        (
            [chat("plan", option("when"), option("when"))],
            "0.options.1.name",
            "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME",
        ),
        (
            [chat("plan", option("when", description=""))],
            "0.options.0.description",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            [
                chat(
                    "plan",
                    option("when", choices=[{"name": str(i), "value": str(i)} for i in range(26)]),
                )
            ],
            "0.options.0.choices",
            "BASE_TYPE_MAX_LENGTH",
        ),
        ([chat("plan"), chat("plan")], "1", "APPLICATION_COMMANDS_DUPLICATE_NAME"),
        ([chat("Plan")], "0.name", "APPLICATION_COMMAND_INVALID_NAME"),
        ([chat("make plan")], "0.name", "STRING_TYPE_REGEX"),
        ([chat("plan", description="")], "0.description", "BASE_TYPE_BAD_LENGTH"),
        ([chat("p" * 33)], "0.name", "BASE_TYPE_BAD_LENGTH"),
        ([{"type": 2, "name": "x" * 33}], "0.name", "BASE_TYPE_BAD_LENGTH"),
        ([chat("plan", option("when", type=12))], "0.options.0.type", "BASE_TYPE_CHOICES"),
        # Found by the fuzzer (test_fuzz.py): stored, then answered outside Discord's schema.
        ([chat("plan", contexts=[0, 2147483648])], "0.contexts.1", "BASE_TYPE_CHOICES"),
        ([chat("plan", integration_types=[2])], "0.integration_types.0", "BASE_TYPE_CHOICES"),
        # Found by the fuzzer too: a repeated context was stored and answered twice, where
        # Discord's schema has each list's items unique.
        ([chat("plan", contexts=[0, 0])], "0.contexts.1", "SET_TYPE_ALREADY_CONTAINS_VALUE"),
        (
            [chat("plan", integration_types=[0, 1, 0])],
            "0.integration_types.2",
            "SET_TYPE_ALREADY_CONTAINS_VALUE",
        ),
        (
            [chat("plan", default_member_permissions="admins")],
            "0.default_member_permissions",
            "NUMBER_TYPE_COERCE",
        ),
        # Options per level: "max of 25" (command options, and a group's subcommands).
        (
            [chat("plan", *(option(f"o{i}") for i in range(26)))],
            "0.options",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            [chat("plan", group("who", *(sub(f"s{i}") for i in range(26))))],
            "0.options.0.options",
            "BASE_TYPE_MAX_LENGTH",
        ),
        # Nesting: a group holds subcommands only; a subcommand holds no subcommand or group;
        # subcommands and groups do not sit beside other options.
        (
            [chat("plan", group("who", option("name")))],
            "0.options.0.options.0.type",
            "BASE_TYPE_CHOICES",
        ),
        (
            [chat("plan", group("who", group("deeper", sub("add"))))],
            "0.options.0.options.0.type",
            "BASE_TYPE_CHOICES",
        ),
        (
            [chat("plan", sub("add", sub("again")))],
            "0.options.0.options.0.type",
            "BASE_TYPE_CHOICES",
        ),
        (
            [chat("plan", sub("add", group("who", sub("again"))))],
            "0.options.0.options.0.type",
            "BASE_TYPE_CHOICES",
        ),
        (
            [chat("plan", sub("add"), option("when"))],
            "0.options",
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
        ),
        ([sized(16)], "0", "APPLICATION_COMMAND_TOO_LARGE"),
    ],
)
async def test_a_bad_command_fails_the_whole_overwrite(
    commands: list[dict[str, Any]], field: str, code: str
) -> None:
    """400 50035 names the field; the commands registered before stay, none of the new set is."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        before = await rest.call("PUT", path(emu, town.guild.id), json_body=[chat("about")])
        assert before.status == 200
        answer = await rest.call(
            "PUT", path(emu, town.guild.id), json_body=[chat("other"), *commands]
        )
        assert (answer.status, answer.code) == (400, 50035)
        shifted = field.split(".", 1)
        where = ".".join([str(int(shifted[0]) + 1), *shifted[1:]])  # after "other"
        assert code in answer.field_codes()[where]
        assert await stored_names(rest, town.guild.id) == ["about"]


async def test_create_refuses_a_required_option_after_an_optional_one() -> None:
    """The single-command create applies the same rules, with paths from the command itself."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = chat("plan", option("when"), option("where", required=True))
        answer = await rest.call("POST", path(emu, town.guild.id), json_body=body)
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {
            "options.1": ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
        }
        assert await stored_names(rest, town.guild.id) == []


async def test_discord_valid_names_and_explicit_nulls_are_accepted() -> None:
    """Context-menu names with capitals and spaces, an apostrophe or accents in a chat name,
    and ``null`` on every nullable field are what Discord takes."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        commands = [
            {"type": 2, "name": "Show Profile", "description": None, "options": None},
            {"type": 3, "name": "Quote This Message"},
            chat(
                "what's-on",
                option("café", required=None, autocomplete=None, choices=None),
                name_localizations=None,
                default_member_permissions=None,
                dm_permission=None,
                nsfw=None,
                contexts=None,
            ),
            chat("नमस्ते"),
        ]
        answer = await rest.call("PUT", path(emu, town.guild.id), json_body=commands)
        assert answer.status == 200, answer.body
        assert [c["name"] for c in answer.body] == [c["name"] for c in commands]


async def test_commands_come_back_as_discord_keeps_them() -> None:
    """Defaults filled, unknown keys dropped, ``required`` only when true; GET says the same."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = chat(
            "plan",
            option("where", required=True, colour="blue"),
            option("when", autocomplete=False),
            mood="cheerful",
        )
        answer = await rest.call("POST", path(emu, town.guild.id), json_body=body)
        assert answer.status == 201, answer.body
        created = answer.body
        assert "mood" not in created
        assert created["nsfw"] is False
        assert created["integration_types"] == [0]
        assert created["name_localizations"] is None
        assert created["guild_id"] == str(town.guild.id)
        where, when = created["options"]
        assert where == {
            "type": 3,
            "name": "where",
            "name_localizations": None,
            "description": "the where",
            "description_localizations": None,
            "required": True,
        }
        assert set(when) & {"required", "autocomplete"} == set()
        listed = await rest.call("GET", path(emu, town.guild.id))
        assert listed.body == [created]
        user = await rest.call(
            "POST", path(emu, town.guild.id), json_body={"type": 2, "name": "Show Profile"}
        )
        assert (user.body["description"], "options" in user.body) == ("", False)


async def test_an_edit_is_checked_like_a_create_and_keeps_the_rest() -> None:
    """PATCH applies the same rules to the edited command; a good edit changes only its fields."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = chat("plan", option("where", required=True), default_member_permissions="32")
        created = await rest.call("POST", path(emu, town.guild.id), json_body=body)
        one = f"{path(emu, town.guild.id)}/{created.body['id']}"
        bad = {"options": [option("when"), option("where", required=True)]}
        refused = await rest.call("PATCH", one, json_body=bad)
        assert refused.field_codes() == {
            "options.1": ["APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"]
        }
        edited = await rest.call("PATCH", one, json_body={"description": "Plan a game"})
        assert edited.status == 200, edited.body
        assert edited.body["description"] == "Plan a game"
        assert edited.body["options"] == created.body["options"]
        assert edited.body["default_member_permissions"] == "32"
        assert int(edited.body["version"]) > int(created.body["version"])


async def test_the_nesting_discord_supports_is_accepted() -> None:
    """Groups of subcommands beside subcommands, 25 options at each level, and a command just
    under 8000 characters are stored, as Discord's docs show them."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        nested = chat(
            "permissions",
            group("user", sub("get", option("user", required=True)), sub("edit")),
            group("role", *(sub(f"s{i}") for i in range(25))),
            sub("list", *(option(f"o{i}") for i in range(25))),
        )
        answer = await rest.call("PUT", path(emu, town.guild.id), json_body=[nested, sized(6)])
        assert answer.status == 200, answer.body
        stored = {c["name"]: c for c in answer.body}
        assert [o["name"] for o in stored["permissions"]["options"]] == ["user", "role", "list"]
        assert stored["permissions"]["options"][0]["options"][0]["options"][0]["name"] == "user"


async def test_a_value_option_keeps_no_nested_options() -> None:
    """``options`` only applies to subcommands and groups: a string option comes back without."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = chat("plan", option("when", options=[option("inner")]))
        answer = await rest.call("POST", path(emu, town.guild.id), json_body=body)
        assert answer.status == 201, answer.body
        assert "options" not in answer.body["options"][0]


@pytest.mark.parametrize("scope", ["global", "guild"])
async def test_each_command_type_has_its_limit_per_scope(scope: str) -> None:
    """100 chat, 15 user and 15 message commands fit; one more is 400 30032, the old set kept."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        where = global_path(emu) if scope == "global" else path(emu, town.guild.id)
        full = [chat(f"c{i}") for i in range(100)]
        full += [{"type": 2, "name": f"User {i}"} for i in range(15)]
        full += [{"type": 3, "name": f"Message {i}"} for i in range(15)]
        answer = await rest.call("PUT", where, json_body=full)
        assert answer.status == 200, answer.body
        assert len(answer.body) == 130
        for extra in (chat("c100"), {"type": 2, "name": "User 15"}):
            refused = await rest.call("PUT", where, json_body=[*full, extra])
            assert (refused.status, refused.code) == (400, 30032), refused.body
            created = await rest.call("POST", where, json_body=extra)
            assert (created.status, created.code) == (400, 30032), created.body
        assert refused.body["message"] == "Maximum number of application commands reached (15)"
        assert len((await rest.call("GET", where)).body) == 130
        # Creating a command that is already there replaces it: no new command, no limit.
        again = await rest.call("POST", where, json_body=chat("c7", description="upserted"))
        assert again.status == 200, again.body
        assert len((await rest.call("GET", where)).body) == 130


async def test_the_other_scope_has_its_own_limit() -> None:
    """A guild's 100 chat commands do not count against the global ones, nor another guild's."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        full = [chat(f"c{i}") for i in range(100)]
        assert (await rest.call("PUT", path(emu, town.guild.id), json_body=full)).status == 200
        assert (await rest.call("PUT", global_path(emu), json_body=full)).status == 200
        other = emu.driver.add_guild("Other")
        assert (await rest.call("PUT", path(emu, other.id), json_body=full)).status == 200
