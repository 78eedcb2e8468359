"""Exports that cannot run: no CSV cell a spreadsheet would read as a formula, in any export,
while numbers stay numbers."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import aiohttp
import pytest

from bus.endpoints import Endpoints
from bus.protocol import VoiceSessionFacts
from services.web.exports import FORMULA_STARTS, inert, sessions_csv
from services.web.names import Names
from tests.services.scheduler.support import world
from tests.services.web.support import answers, browser, dashboard, log_in, played

HYPERLINK = '=HYPERLINK("http://e.vil","x")'


@pytest.mark.parametrize(
    "text", [HYPERLINK, "+1+cmd", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"], ids=repr
)
def test_text_a_spreadsheet_would_run_is_made_plain(text: str) -> None:
    """Each formula prefix gets an apostrophe in front: a spreadsheet shows it as text."""
    assert inert(text) == "'" + text


@pytest.mark.parametrize("value", [0, 42, -3, -1.5, 2.25, True, "", "Alice", "2026-03-10"])
def test_numbers_and_plain_text_are_left_alone(value: str | int | float) -> None:
    """Numbers, negative ones included, stay numbers; text without a prefix is as typed."""
    assert inert(value) == value


def test_a_negative_number_stays_a_number_and_a_name_does_not_run() -> None:
    """A stay measured across a clock step (its end before its start) gives negative minutes,
    written as a number; the member's formula of a name is written as text."""
    stay = VoiceSessionFacts(channel_id=7, user_id=5, start=1_000_000.0, end=999_910.0)
    names = Names(members={5: HYPERLINK}, channels={7: "@SUM(A1)"})
    rows = list(csv.DictReader(io.StringIO(sessions_csv([stay], names))))
    assert rows[0]["member"] == "'" + HYPERLINK
    assert rows[0]["channel"] == "'@SUM(A1)"
    assert float(rows[0]["minutes"]) == -1.5
    assert rows[0]["minutes"] == "-1.5"


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _inert(rows: list[dict[str, str]]) -> bool:
    return all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())


async def _csv(http: aiohttp.ClientSession, url: str) -> list[dict[str, str]]:
    async with http.get(url, allow_redirects=False) as answer:
        assert answer.status == 200, url
        return _cells(await answer.text())


async def test_names_that_are_formulas_arrive_inert_in_every_export(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Members named ``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3...`` and ``+1...`` play; the
    moderators' CSV and each member's own CSVs show their names as text, never a formula,
    and the ids and minutes still read as numbers."""
    async with world(endpoints, short_tmp) as w, dashboard(w) as site:
        town, driver = w.town, w.emu.driver
        named = [(town.alice, HYPERLINK), (town.bob, "@SUM(1+1)*cmd|' /C calc'!A0")]
        for member, name in named:
            driver.set_nick(member, name)
        for name in ("-2+3+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0"):
            named.append((driver.add_member(town.guild, "newcomer", nick=name), name))
        now = time.time()
        await played(w, [(member, now - 7200, now - 3600) for member, _ in named])
        guild = f"{site.url}/g/{town.guild.id}"
        expected = {str(m.user_id): "'" + name for m, name in named}
        async with browser() as admin:
            await log_in(admin, site, w, town.admin)
            found: list[dict[str, str]] = []

            async def every_name() -> bool:
                found[:] = await _csv(admin, f"{guild}/sessions.csv?days=2")
                return {r["user_id"]: r["member"] for r in found} == expected

            await answers(every_name, "the moderators' CSV with every member's new name")
            assert _inert(found)
            for row in found:
                assert int(row["user_id"]) > 0
                assert float(row["minutes"]) == 60.0
        async with browser() as alice:
            await log_in(alice, site, w, town.alice)
            mine: list[dict[str, str]] = []

            async def own_name() -> bool:
                mine[:] = await _csv(alice, f"{guild}/me/sessions.csv")
                return [r["member"] for r in mine] == ["'" + HYPERLINK]

            await answers(own_name, "Alice's own CSV with her new name")
            assert _inert(mine)
            assert _inert(await _csv(alice, f"{guild}/me/marks.csv"))
