"""``squadtime-admin`` / ``python -m admin``: run and look after the bot.

Only ``run`` exists yet: it starts the whole fleet under supervisord in the
foreground, with private runtime, log and data directories.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bus.endpoints import EndpointError, ensure_private_dir, runtime_dir_from_env

REPO = Path(__file__).resolve().parents[1]


def fleet_environment(env: dict[str, str], state_dir: Path) -> dict[str, str]:
    """The environment supervisord and its programs need, defaults filled in."""
    filled = dict(env)
    filled.setdefault("SQUADTIME_DATA_DIR", str(state_dir / "data"))
    filled.setdefault("SQUADTIME_LOG_DIR", str(state_dir / "log"))
    filled["SQUADTIME_RUNTIME_DIR"] = str(runtime_dir_from_env(filled))
    return filled


def run(args: argparse.Namespace) -> int:
    """Start the fleet under supervisord in the foreground until Ctrl-C."""
    env = fleet_environment(dict(os.environ), args.state_dir)
    try:
        ensure_private_dir(Path(env["SQUADTIME_RUNTIME_DIR"]))
        ensure_private_dir(Path(env["SQUADTIME_DATA_DIR"]))
    except EndpointError as error:
        print(f"squadtime-admin: {error}", file=sys.stderr)
        return 2
    Path(env["SQUADTIME_LOG_DIR"]).mkdir(parents=True, exist_ok=True)
    supervisord = Path(sys.executable).parent / "supervisord"
    print(f"starting the fleet; logs in {env['SQUADTIME_LOG_DIR']}; Ctrl-C stops it", flush=True)
    argv = [str(supervisord), "-c", str(REPO / "supervisord.conf")]
    os.execve(supervisord, argv, env)  # noqa: S606 -- our own supervisord, fixed argv


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen action."""
    parser = argparse.ArgumentParser(
        prog="squadtime-admin", description="Run and look after the squadtime bot."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the whole fleet in the foreground")
    run_parser.add_argument(
        "--state-dir",
        type=Path,
        default=REPO / "var",
        help="where data and logs go unless SQUADTIME_DATA_DIR / SQUADTIME_LOG_DIR say otherwise",
    )
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
