"""Settings every service shares, read from the environment in ``main()``, and the parsers
that a service's own settings use (every bad setting is a ``SettingsError``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bus.clock import Calendar, ClockSettingError, calendar_from_env
from bus.endpoints import EndpointError, Endpoints, endpoints_from_env, runtime_dir_from_env


class SettingsError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


DISCORD_API_ENV = "SQUADTIME_DISCORD_API"
DISCORD_API = "https://discord.com/api/v10"


def discord_api(env: Mapping[str, str]) -> str:
    """Discord's REST base (``SQUADTIME_DISCORD_API``, e.g. the emulator's); Discord's own
    by default."""
    api = env.get(DISCORD_API_ENV, "").strip().rstrip("/") or DISCORD_API
    if not api.startswith(("http://", "https://")):
        raise SettingsError(f"{DISCORD_API_ENV}={api!r} must be an http(s) URL ending in /api/v10")
    return api


def number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """The number in ``name`` (``default`` when unset or blank), between ``low`` and ``high``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """What a service process needs to know about its surroundings."""

    service: str
    runtime_dir: Path
    data_dir: Path
    endpoints: Endpoints
    log_level: str = "INFO"
    heartbeat_interval: float = 5.0
    drain_timeout: float = 5.0
    bus_timeout: float = 30.0
    calendar: Calendar = field(default_factory=Calendar)
    """Calendar time for the whole fleet (``SQUADTIME_CLOCK``; see ``bus.clock``)."""

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str]) -> Settings:
        """Read ``SQUADTIME_*`` variables; raise SettingsError on a bad one."""
        try:
            endpoints = endpoints_from_env(env, role="client")
            calendar = calendar_from_env(env)
        except (EndpointError, ClockSettingError) as error:
            raise SettingsError(str(error)) from error
        level = env.get("SQUADTIME_LOG_LEVEL", "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"SQUADTIME_LOG_LEVEL={level!r}: use DEBUG, INFO, WARNING or ERROR")
        return cls(
            service=service,
            runtime_dir=runtime_dir_from_env(env),
            data_dir=_data_dir(env),
            endpoints=endpoints,
            log_level=level,
            heartbeat_interval=_seconds(env, "SQUADTIME_HEARTBEAT_SECONDS", 5.0),
            drain_timeout=_seconds(env, "SQUADTIME_DRAIN_SECONDS", 5.0),
            bus_timeout=_seconds(env, "SQUADTIME_BUS_TIMEOUT_SECONDS", 30.0),
            calendar=calendar,
        )


def _data_dir(env: Mapping[str, str]) -> Path:
    if configured := env.get("SQUADTIME_DATA_DIR"):
        return Path(configured)
    xdg = env.get("XDG_DATA_HOME") or os.path.join(env.get("HOME", "/var/lib"), ".local/share")
    return Path(xdg) / "squadtime"


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise SettingsError(f"{name}={raw!r} must be between 0 and 3600 seconds")
    return value
