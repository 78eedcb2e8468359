"""The whole supervised fleet against an in-process emulator, and a busy hour to play on it.

supervisord runs the repo's supervisord.conf exactly as on the Pi; the emulator runs in
the test's own event loop, so the test can act as members while it kills processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from emulator import Emulator
from emulator.engine.config import EmulatorConfig
from emulator.rules.limits import Rules
from emulator.rules.state import Channel, Guild, Member, Role

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STEP = 30.0
HEADER = "## Who plays today?"
HOURS = ("🇦", "🇧", "🇨", "🇩")


@dataclass
class Town:
    """The community the busy hour is played in."""

    guild: Guild
    admins: Role
    text: Channel
    lobby: Channel
    ranked: Channel
    admin: Member
    players: list[Member]


def build_town(emu: Emulator, players: int = 16) -> Town:
    driver = emu.driver
    guild = driver.add_guild("Squad")
    admins = driver.add_role(guild, "Admins", permissions=1 << 5)
    text = driver.add_text_channel(guild, "daily")
    lobby = driver.add_voice_channel(guild, "Lobby")
    ranked = driver.add_voice_channel(guild, "Ranked")
    admin = driver.add_member(guild, "admin", roles=[admins])
    members = [driver.add_member(guild, f"player{n:02d}") for n in range(players)]
    return Town(guild, admins, text, lobby, ranked, admin, members)


def patient_discord() -> EmulatorConfig:
    """A Discord that waits 6 s for an interaction's first answer instead of 3.

    The fault tests count that every answer arrives, the kill notwithstanding; how soon is
    ``tests/services/gateway/test_interactions.py``'s to check: a program restarting on two
    loaded cores may take the second between the gateway's deferral (2 s) and Discord's 3 s.
    """
    return EmulatorConfig(rules=Rules(interaction_deadline=6.0))


class SupervisedFleet:
    """supervisord and its programs in a private temporary tree, logged in to ``emu``."""

    def __init__(self, root: Path, emu: Emulator) -> None:
        self.runtime = root / "run"
        self.logs = root / "log"
        self.data = root / "data"
        self.database = self.data / "telemetry.db"
        self.env = {
            **os.environ,
            "SQUADTIME_RUNTIME_DIR": str(self.runtime),
            "SQUADTIME_LOG_DIR": str(self.logs),
            "SQUADTIME_DATA_DIR": str(self.data),
            "SQUADTIME_HEARTBEAT_SECONDS": "0.5",
            "SQUADTIME_DISCORD_API": emu.api_url,
            "DISCORD_TOKEN": emu.token,
            "SQUADTIME_WEB_PORT": "0",  # any free port: tests run side by side
            "DISCORD_CLIENT_ID": str(emu.oauth.client_id),
            "DISCORD_CLIENT_SECRET": emu.oauth.client_secret,
        }
        self._conf = str(REPO / "supervisord.conf")
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.logs.mkdir()
        self.runtime.mkdir(mode=0o700)
        self._process = await asyncio.create_subprocess_exec(
            str(BIN / "supervisord"),
            "-c",
            self._conf,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def ctl(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            str(BIN / "supervisorctl"),
            "-c",
            self._conf,
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        out, _ = await asyncio.wait_for(process.communicate(), STEP)
        return out.decode()

    async def pid(self, program: str) -> int:
        """The running program's pid, 0 when it is not running."""
        text = (await self.ctl("pid", f"squadtime:{program}")).strip()
        return int(text) if text.isdigit() else 0

    async def kill(self, program: str) -> int:
        """SIGKILL the program; its pid."""
        pid = await self.pid(program)
        assert pid, f"{program} is not running"
        os.kill(pid, signal.SIGKILL)
        return pid

    async def close(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self._process.wait(), STEP)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()


@dataclass(frozen=True, slots=True)
class Session:
    """One stored voice session."""

    user_id: int
    channel_id: int
    start: float
    end: float | None


def sessions(database: Path, guild_id: int) -> list[Session]:
    """Every voice session stored for the guild (read-only, beside the running service)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            'SELECT user_id, channel_id, start, "end" FROM voice_sessions WHERE guild_id = ?'
            " ORDER BY user_id, start",
            (guild_id,),
        ).fetchall()
    return [Session(*row) for row in rows]


def integrity(database: Path) -> str:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@dataclass
class Played:
    """What the busy hour did, for the checks afterwards."""

    stays: dict[int, int] = field(default_factory=dict)  # user -> voice stays begun
    in_voice: set[int] = field(default_factory=set)  # users who were in a counted channel
    failed_interactions: int = 0
