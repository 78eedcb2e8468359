"""Voice stays keep their true length when the wall clock is stepped during them."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from bus.clock import Calendar, wall_time
from bus.endpoints import Endpoints
from emulator import Emulator
from services.telemetry.service import Telemetry
from tests.emulator.support import Community, small_community
from tests.helpers import HandClock, eventually
from tests.services.gateway.support import STEP, running_gateway
from tests.services.inprocess import running

MINUTE = 60.0
HOUR = 3600.0

Stay = tuple[int, int | None]  # start, seconds (None while open)


@dataclass
class Machine:
    """The gateway's wall and monotonic clocks, moved only by the test."""

    wall: HandClock
    steady: HandClock = field(default_factory=HandClock)

    def passes(self, seconds: float) -> None:
        self.wall.t += seconds
        self.steady.t += seconds

    def calendar(self) -> Calendar:
        return Calendar(wall=self.wall, steady=self.steady)


def stays(database: Path) -> list[Stay]:
    """The stays telemetry stored, oldest first."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute("SELECT start, seconds FROM voice_stays ORDER BY start")
        return [(int(start), None if seconds is None else int(seconds)) for start, seconds in rows]


@contextlib.asynccontextmanager
async def recorded(
    emu: Emulator, endpoints: Endpoints, data: Path, machine: Machine
) -> AsyncIterator[Path]:
    """Telemetry, and the gateway stamping with ``machine``'s clocks; the database's path."""
    database = data / "telemetry.db"
    async with (
        running(Telemetry(database), endpoints, data),
        running_gateway(emu, endpoints, data / "gateway", calendar=machine.calendar()),
    ):
        yield database


async def until_stored(database: Path, expected: list[Stay]) -> None:
    await eventually(lambda: stays(database) == expected, STEP, f"the stays {expected}")


@dataclass
class Evening:
    """Bob in voice since ``joined``, on the clocks of a machine the test moves."""

    emu: Emulator
    town: Community
    machine: Machine
    database: Path
    joined: int

    async def bob_joins(self) -> None:
        await self.emu.driver.join_voice(self.town.bob, self.town.voice)

    async def bob_leaves(self) -> None:
        await self.emu.driver.leave_voice(self.town.bob)


@contextlib.asynccontextmanager
async def bob_in_voice(endpoints: Endpoints, data: Path) -> AsyncIterator[Evening]:
    """Telemetry and the gateway running, Bob joined voice and his open stay stored."""
    machine = Machine(wall=HandClock(float(int(wall_time()))))
    async with Emulator() as emu:
        town = small_community(emu)
        async with recorded(emu, endpoints, data, machine) as database:
            evening = Evening(emu, town, machine, database, joined=int(machine.wall.t))
            await evening.bob_joins()
            await until_stored(database, [(evening.joined, None)])
            yield evening


async def test_a_stay_across_a_forward_step_is_stored_with_its_true_length(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob is in voice 15 minutes while NTP sets the clock 10 h ahead: his stay is stored
    as 15 minutes from his join, not 10.25 hours."""
    async with bob_in_voice(endpoints, short_tmp) as evening:
        machine = evening.machine
        machine.passes(5 * MINUTE)
        machine.wall.t += 10 * HOUR
        machine.passes(10 * MINUTE)
        await evening.bob_leaves()
        await until_stored(evening.database, [(evening.joined, 15 * 60)])


async def test_after_a_backward_step_a_rejoin_comes_after_the_stay_before_it(
    endpoints: Endpoints, short_tmp: Path
) -> None:
    """Bob stays 15 minutes while the clock is set an hour back, and comes back 5 minutes
    later for 10: both stays keep their length, the second after the first."""
    async with bob_in_voice(endpoints, short_tmp) as evening:
        machine, joined = evening.machine, evening.joined
        machine.passes(5 * MINUTE)
        machine.wall.t -= HOUR
        machine.passes(10 * MINUTE)
        await evening.bob_leaves()
        await until_stored(evening.database, [(joined, 15 * 60)])
        machine.passes(5 * MINUTE)
        await evening.bob_joins()
        # The wall clock still reads 40 minutes before the leave: the rejoin cannot be
        # placed before it, so the 5 minutes away are lost rather than the stays' order.
        again = joined + 15 * 60
        await until_stored(evening.database, [(joined, 15 * 60), (again, None)])
        machine.passes(10 * MINUTE)
        await evening.bob_leaves()
        await until_stored(evening.database, [(joined, 15 * 60), (again, 10 * 60)])
