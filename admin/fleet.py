"""Where the fleet lives on this machine, and supervisord's control socket.

The admin talks to supervisord the way ``supervisorctl`` does, over its XML-RPC unix
socket in the runtime directory: the same answers, without parsing a table.
"""

from __future__ import annotations

import http.client
import socket
import sys
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from admin.errors import AdminError, Exit
from bus.endpoints import runtime_dir_from_env

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "supervisord.conf"
GROUP = "squadtime"
STOP_ALL_TIMEOUT = 150.0
"""How long stopping the whole fleet may take: supervisord stops the programs one after
another and gives each up to its stopwaitsecs (10 s) before killing it."""
PROGRAMS = ("bus", "telemetry", "gateway", "scheduler", "voice", "web")
SERVICES = ("telemetry", "gateway", "scheduler", "voice", "web")
LIVE_STATES = frozenset({"RUNNING", "STARTING", "BACKOFF"})
"""States in which supervisord runs a program or will start it again by itself."""
"""The programs that join the bus and publish heartbeats (the broker does not)."""


def fleet_environment(env: Mapping[str, str], state_dir: Path) -> dict[str, str]:
    """The environment supervisord and its programs need, defaults filled in."""
    filled = dict(env)
    filled.setdefault("SQUADTIME_DATA_DIR", str(state_dir / "data"))
    filled.setdefault("SQUADTIME_LOG_DIR", str(state_dir / "log"))
    filled["SQUADTIME_RUNTIME_DIR"] = str(runtime_dir_from_env(filled))
    return filled


def has_token(env: Mapping[str, str]) -> bool:
    """Whether the bot is meant to log in to the real Discord."""
    return bool(env.get("DISCORD_TOKEN", "").strip() or env.get("DISCORD_TOKEN_FILE", "").strip())


def tool(name: str) -> Path:
    """A console script of this virtual environment (``supervisord``, ``supervisorctl``)."""
    return Path(sys.executable).parent / name


def check_program(name: str) -> str:
    """``name`` if it is one of the fleet's programs, else a usage error listing them."""
    if name not in PROGRAMS:
        raise AdminError(
            f"unknown service {name!r}; choose one of: {', '.join(PROGRAMS)}", Exit.USAGE
        )
    return name


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(str(self._path))
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__()
        self._path = path
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        return _UnixConnection(self._path, self._timeout)


@dataclass(frozen=True, slots=True)
class ProgramState:
    """One program as supervisord sees it."""

    name: str
    state: str
    pid: int
    uptime: float
    description: str


class Supervisor:
    """supervisord's control socket (``<runtime dir>/supervisor.sock``)."""

    def __init__(self, runtime_dir: Path, *, timeout: float = 10.0) -> None:
        self.socket = runtime_dir / "supervisor.sock"
        proxy = xmlrpc.client.ServerProxy(
            "http://localhost", transport=_UnixTransport(self.socket, timeout)
        )
        self._rpc = proxy.supervisor

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, timeout: float = 10.0) -> Supervisor:
        return cls(runtime_dir_from_env(env), timeout=timeout)

    def _call(self, method: str, *args: object) -> object:
        try:
            return cast(object, getattr(self._rpc, method)(*args))
        except (FileNotFoundError, ConnectionRefusedError):
            raise AdminError(
                f"supervisord is not running (no answer on {self.socket}); "
                "start the bot with 'squadtime-admin run' or 'systemctl start squadtime'",
                Exit.UNREACHABLE,
            ) from None
        except PermissionError:
            raise AdminError(
                f"cannot open {self.socket}: run this as the bot's user", Exit.UNREACHABLE
            ) from None
        except xmlrpc.client.Fault as fault:
            raise AdminError(f"supervisord refused {method}: {fault.faultString}") from None
        except OSError as error:
            raise AdminError(
                f"supervisord on {self.socket} did not answer: {error}", Exit.UNREACHABLE
            ) from None

    def programs(self) -> list[ProgramState]:
        """Every program of the group, in the fleet's order."""
        infos = cast(list[dict[str, Any]], self._call("getAllProcessInfo"))
        found = {
            str(info["name"]): ProgramState(
                name=str(info["name"]),
                state=str(info["statename"]),
                pid=int(info["pid"]),
                uptime=float(info["now"]) - float(info["start"]) if info["pid"] else 0.0,
                description=str(info["description"]),
            )
            for info in infos
            if info["group"] == GROUP
        }
        order = {name: index for index, name in enumerate(PROGRAMS)}
        return sorted(found.values(), key=lambda p: order.get(p.name, len(order)))

    def restart(self, program: str | None) -> None:
        """Stop then start one program, or the whole group when ``program`` is None."""
        if program is None:
            self._call("stopProcessGroup", GROUP, True)
            self._call("startProcessGroup", GROUP, True)
            return
        self.ensure_stopped(program)
        self._call("startProcess", f"{GROUP}:{program}", True)

    def ensure_stopped(self, program: str) -> bool:
        """Stop ``program`` if supervisord runs it or means to (BACKOFF: a crash-looping
        program is started again by itself); whether it had to be stopped."""
        state = next((p.state for p in self.programs() if p.name == program), "")
        if state not in LIVE_STATES:
            return False
        self._call("stopProcess", f"{GROUP}:{program}", True)
        return True

    def stop(self, program: str) -> None:
        """Stop one program and wait until it has exited."""
        self._call("stopProcess", f"{GROUP}:{program}", True)

    def reload(self) -> None:
        """Re-read supervisord.conf (a new release may change it), like ``supervisorctl update``."""
        added, changed, removed = cast(list[list[str]], self._call("reloadConfig"))[0]
        for name in removed:
            self._call("stopProcessGroup", name, True)
            self._call("removeProcessGroup", name)
        for name in changed:
            self._call("stopProcessGroup", name, True)
            self._call("removeProcessGroup", name)
            self._call("addProcessGroup", name)
        for name in added:
            self._call("addProcessGroup", name)
