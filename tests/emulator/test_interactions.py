"""Slash commands, autocomplete, selects and buttons answered by a real nextcord client."""

import asyncio
import io

import nextcord
import pytest

from emulator import INTERACTION_FAILED, Emulator, EmulatorConfig, Refused, Rules
from emulator.engine.interactions import CallbackType
from tests.emulator.support import (
    STEP,
    add_slash,
    commands_synced,
    make_client,
    respond_again,
    running,
    small_community,
)


class HourSelect(nextcord.ui.StringSelect[nextcord.ui.View]):
    """Pick hours; the bot confirms privately."""

    def __init__(self) -> None:
        options = [nextcord.SelectOption(label=f"{h}:00", value=str(h)) for h in (18, 19, 20)]
        super().__init__(custom_id="hours", options=options, max_values=3)

    async def callback(self, interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.send_message(f"saved {','.join(self.values)}", ephemeral=True)


class ClearButton(nextcord.ui.Button[nextcord.ui.View]):
    """Clear the schedule; the bot rewrites the menu message."""

    def __init__(self) -> None:
        super().__init__(custom_id="clear", label="Clear", style=nextcord.ButtonStyle.danger)

    async def callback(self, interaction: nextcord.Interaction[nextcord.Client]) -> None:
        await interaction.response.edit_message(content="schedule cleared", view=None)


NOTE = nextcord.SlashOption(description="what")
HOURS = nextcord.SlashOption(description="when")
WHO = nextcord.SlashOption(description="who")


def schedule_view() -> nextcord.ui.View:
    view = nextcord.ui.View(timeout=None)
    view.add_item(HourSelect())
    view.add_item(ClearButton())
    return view


async def test_slash_command_options_reach_the_bot_and_answer_is_ephemeral() -> None:
    """Options arrive typed, and an ephemeral answer is seen only by the member who asked."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        seen: list[tuple[str, int, int]] = []

        async def remind(
            interaction: nextcord.Interaction[nextcord.Client],
            note: str = NOTE,
            hours: int = HOURS,
            who: nextcord.Member = WHO,
        ) -> None:
            seen.append((note, hours, who.id))
            await interaction.response.send_message(f"ok {note} in {hours}h", ephemeral=True)

        add_slash(client, remind, name="remind", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "remind")
            outcome = await emu.driver.slash(
                town.alice,
                town.text,
                "remind",
                {"note": "raid", "hours": 2, "who": town.bob.user_id},
            )
        assert seen == [("raid", 2, town.bob.user_id)]
        assert outcome.response is CallbackType.CHANNEL_MESSAGE
        assert outcome.message is not None
        assert outcome.message.content == "ok raid in 2h"
        assert outcome.ephemeral
        alice_view = [m.content for m in emu.driver.messages(town.text, town.alice)]
        bob_view = [m.content for m in emu.driver.messages(town.text, town.bob)]
        assert alice_view == ["ok raid in 2h"]
        assert bob_view == []


async def test_autocomplete_returns_the_bots_choices() -> None:
    """Typing into an autocomplete option shows the choices the bot computed."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        zones = ["Europe/Paris", "Europe/Berlin", "America/New_York"]

        async def suggest(
            interaction: nextcord.Interaction[nextcord.Client], value: str, **_: object
        ) -> None:
            await interaction.response.send_autocomplete([z for z in zones if value in z])

        async def timezone(
            interaction: nextcord.Interaction[nextcord.Client],
            zone: str = nextcord.SlashOption(description="zone", autocomplete_callback=suggest),
        ) -> None:
            await interaction.response.send_message(zone)

        add_slash(client, timezone, name="timezone", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "timezone")
            choices = await emu.driver.autocomplete(
                town.alice, town.text, "timezone", {"zone": "Europe"}, focused="zone"
            )
        assert [c.value for c in choices] == ["Europe/Paris", "Europe/Berlin"]


async def test_autocomplete_choices_are_held_to_discord_s_lengths() -> None:
    """A choice named with 101 characters, or an empty name, or a value of 101 characters
    is refused (50035, on the field), as Discord refuses it; the bot's valid answer then
    shows."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        refused: list[int] = []

        async def suggest(
            interaction: nextcord.Interaction[nextcord.Client], value: str, **_: object
        ) -> None:
            for bad in ({"n" * 101: "x"}, {"": "x"}, {"long": "v" * 101}):
                try:
                    await interaction.response.send_autocomplete(bad)
                except nextcord.HTTPException as error:
                    refused.append(error.code)
            await interaction.response.send_autocomplete({"n" * 100: "v" * 100})

        async def away(
            interaction: nextcord.Interaction[nextcord.Client],
            day: str = nextcord.SlashOption(description="day", autocomplete_callback=suggest),
        ) -> None:
            await interaction.response.send_message(day)

        add_slash(client, away, name="away", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "away")
            choices = await emu.driver.autocomplete(
                town.alice, town.text, "away", {"day": ""}, focused="day"
            )
        assert [(c.name, c.value) for c in choices] == [("n" * 100, "v" * 100)]
        assert refused == [50035, 50035, 50035]


async def test_select_and_button_are_answered() -> None:
    """A member picks in a select (ephemeral answer) and clicks a button (message updated)."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        async with running(emu, client):
            channel = client.get_channel(town.text.id)
            assert isinstance(channel, nextcord.TextChannel)
            sent = await asyncio.wait_for(channel.send("your schedule", view=schedule_view()), STEP)
            shown = emu.driver.message(sent.id, town.alice)
            assert [s.custom_id for s in shown.selects] == ["hours"]
            picked = await emu.driver.select(town.alice, sent.id, "hours", ["18", "20"])
            assert picked.message is not None
            assert picked.message.content == "saved 18,20"
            assert picked.ephemeral
            with pytest.raises(Refused):
                await emu.driver.select(town.alice, sent.id, "hours", ["23"])
            clicked = await emu.driver.click(town.bob, sent.id, "clear")
        assert clicked.response is CallbackType.UPDATE_MESSAGE
        assert clicked.message is not None
        assert clicked.message.content == "schedule cleared"
        assert clicked.message.components == ()


async def test_member_lacking_permissions_is_refused_before_the_bot_hears() -> None:
    """``default_member_permissions`` stops a member; an admin gets through with permissions."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        heard: list[bool] = []

        async def reset(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            heard.append(interaction.permissions.manage_guild)
            await interaction.response.send_message("reset done", ephemeral=True)

        add_slash(client, reset, name="reset", guild=town.guild, default_member_permissions=1 << 5)
        async with running(emu, client):
            await commands_synced(emu, "reset")
            with pytest.raises(Refused, match="missing permissions"):
                await emu.driver.slash(town.alice, town.text, "reset")
            assert not emu.interactions.by_id
            outcome = await emu.driver.slash(town.admin, town.text, "reset")
        assert heard == [True]
        assert outcome.message is not None
        assert outcome.message.content == "reset done"


async def test_late_first_response_is_unknown_interaction() -> None:
    """After the deadline the member sees a failure and the bot's answer gets 10062."""

    config = EmulatorConfig(rules=Rules(interaction_deadline=0.2))
    async with Emulator(config) as emu:
        town = small_community(emu)
        client = make_client()
        member_gave_up = asyncio.Event()
        errors: asyncio.Queue[int] = asyncio.Queue()

        async def slow(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            await asyncio.wait_for(member_gave_up.wait(), STEP)
            try:
                await interaction.response.send_message("too late")
            except nextcord.HTTPException as error:
                errors.put_nowait(error.code)

        add_slash(client, slow, name="slow", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "slow")
            outcome = await emu.driver.slash(town.alice, town.text, "slow")
            member_gave_up.set()
            code = await asyncio.wait_for(errors.get(), STEP)
        assert outcome.error == INTERACTION_FAILED
        assert code == 10062


async def test_second_response_is_already_acknowledged() -> None:
    """Answering an interaction twice is refused with 40060."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        errors: asyncio.Queue[int] = asyncio.Queue()

        async def twice(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            await interaction.response.send_message("first")
            if code := await respond_again(client, interaction, "2nd"):
                errors.put_nowait(code)

        add_slash(client, twice, name="twice", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "twice")
            outcome = await emu.driver.slash(town.alice, town.text, "twice")
            code = await asyncio.wait_for(errors.get(), STEP)
        assert outcome.message is not None
        assert outcome.message.content == "first"
        assert code == 40060


async def test_follow_up_after_token_expiry_is_invalid_webhook_token() -> None:
    """Follow-ups work within 15 minutes of the interaction and fail with 50027 after."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()
        later = asyncio.Event()
        results: asyncio.Queue[str | int] = asyncio.Queue()

        async def report(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            await interaction.response.defer()
            first = await interaction.followup.send("half way", wait=True)
            results.put_nowait(first.content)
            await asyncio.wait_for(later.wait(), STEP)
            try:
                await interaction.followup.send("done")
            except nextcord.HTTPException as error:
                results.put_nowait(error.code)

        add_slash(client, report, name="report", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "report")
            outcome = await emu.driver.slash(town.alice, town.text, "report")
            assert outcome.response is CallbackType.DEFERRED_CHANNEL_MESSAGE
            settled = await emu.driver.settle(outcome, timeout=STEP)
            emu.driver.advance(15 * 60 + 1)
            later.set()
            first = await asyncio.wait_for(results.get(), STEP)
            second = await asyncio.wait_for(results.get(), STEP)
        assert settled.content == "half way"
        assert (first, second) == ("half way", 50027)


async def test_deferred_answer_is_filled_in_by_editing_original() -> None:
    """A deferred answer shows "thinking" until the bot edits ``@original``."""

    async with Emulator() as emu:
        town = small_community(emu)
        client = make_client()

        async def graph(interaction: nextcord.Interaction[nextcord.Client]) -> None:
            await interaction.response.defer()
            await interaction.edit_original_message(
                content="here is the graph",
                file=nextcord.File(io.BytesIO(b"PNG..."), "graph.png"),
            )

        add_slash(client, graph, name="graph", guild=town.guild)
        async with running(emu, client):
            await commands_synced(emu, "graph")
            outcome = await emu.driver.slash(town.admin, town.text, "graph")
            final = await emu.driver.settle(outcome, timeout=STEP)
        assert final.content == "here is the graph"
        assert [(a.filename, a.data) for a in final.attachments] == [("graph.png", b"PNG...")]
        assert not final.ephemeral
