"""``squadtime-admin`` / ``python -m admin``: run and look after the bot.

Without a subcommand (on a terminal) it opens the menu; every menu action is also a
subcommand for scripts. ``--host`` runs status, logs, restart and backup on a Pi over SSH.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from admin.errors import AdminError, Exit
from admin.fleet import PROGRAMS, REPO, fleet_environment
from admin.remote import DEFAULT_ENV_FILE, DEFAULT_ROOT, Host, RemoteFailed

EPILOG = """exit status: 0 done, 1 the answer is no (unhealthy, tests failed, deploy rolled
back), 2 bad input (unknown service, missing file), 3 the fleet or the host is unreachable.
Settings come from the environment (SQUADTIME_RUNTIME_DIR, SQUADTIME_DATA_DIR,
SQUADTIME_LOG_DIR, DISCORD_TOKEN / DISCORD_TOKEN_FILE); see README.md."""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _speed(text: str) -> float:
    value = _positive(text)
    if not 0 < value < 10_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: a speed is above 0 and below 10,000,000")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 366:
        raise argparse.ArgumentTypeError(f"{text!r}: between 0 and 366 days")
    return value


def _ssh_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_argument_group("remote host (over SSH)")
    group.add_argument(
        "--host", required=required, help="user@host (or an SSH config alias) of the Pi"
    )
    group.add_argument("--port", type=int, help="SSH port (default: ssh's own)")
    group.add_argument("--identity", type=Path, help="SSH private key file")
    group.add_argument("--ssh-config", type=Path, help="SSH config file to use (ssh -F)")
    group.add_argument(
        "--root", default=DEFAULT_ROOT, help="install directory on the host (default: %(default)s)"
    )
    group.add_argument(
        "--env-file",
        default=DEFAULT_ENV_FILE,
        help="the bot's settings file on the host (default: %(default)s)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="squadtime-admin",
        description="Run and look after the squadtime bot. Without a command: the menu.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=REPO / "var",
        help="data and logs go here unless SQUADTIME_DATA_DIR / SQUADTIME_LOG_DIR say otherwise"
        " (default: var/ in the checkout)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    menu = commands.add_parser("menu", help="the interactive menu (reads choices from stdin)")
    menu.set_defaults(command="menu")

    run = commands.add_parser(
        "run",
        help="run the whole fleet in the foreground (the emulator demo without a token)",
        description="Run the fleet under supervisord until Ctrl-C. Without DISCORD_TOKEN or "
        "DISCORD_TOKEN_FILE the bot runs against a local Discord emulator with a simulated "
        "community, shows the daily message as it changes, and writes the day's graphs.",
    )
    run.add_argument("--members", type=int, default=16, help="simulated members (demo)")
    run.add_argument("--seed", type=int, default=7, help="seed of the simulated community (demo)")
    run.add_argument(
        "--speed", type=_speed, default=600.0, help="today's simulated seconds per second (demo)"
    )
    run.add_argument(
        "--days", type=_count, default=28, help="days the community plays before today (demo)"
    )
    run.add_argument(
        "--month-speed",
        type=_speed,
        default=20_000.0,
        help="simulated seconds per second while the month is played (demo)",
    )
    run.add_argument("--graphs", type=Path, help="where the demo writes graphs (var/graphs)")

    status = commands.add_parser(
        "status", help="each service: supervisord state, bus heartbeat and counters"
    )
    status.add_argument(
        "--listen", type=_positive, default=7.0, help="seconds to wait for heartbeats"
    )
    status.add_argument(
        "--wait", type=_positive, default=0.0, help="keep checking up to this long until healthy"
    )
    status.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    _ssh_options(status, required=False)

    logs = commands.add_parser("logs", help="the end of one service's log")
    logs.add_argument("service", help=f"one of: {', '.join(PROGRAMS)}")
    logs.add_argument("-n", "--lines", type=int, default=40, help="how many lines (default 40)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing until Ctrl-C")
    _ssh_options(logs, required=False)

    restart = commands.add_parser("restart", help="restart one service, or all")
    restart.add_argument("service", help=f"'all' or one of: {', '.join(PROGRAMS)}")
    restart.add_argument(
        "--reload", action="store_true", help="re-read supervisord.conf first (after an update)"
    )
    _ssh_options(restart, required=False)

    test = commands.add_parser("test", help="run the tests (pytest; --full: lint and types too)")
    test.add_argument("--full", action="store_true", help="run ./dev test: ruff, mypy, pytest")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")

    backup = commands.add_parser(
        "backup", help="a consistent copy of the live database (downloaded with --host)"
    )
    backup.add_argument(
        "destination", nargs="?", type=Path, help="new file or folder (default: data dir/backups)"
    )
    backup.add_argument("--json", action="store_true", help="print the result as JSON")
    backup.add_argument("--keep-remote", action="store_true", help="leave the copy on the host too")
    _ssh_options(backup, required=False)

    stats = commands.add_parser("stats", help="every graph of a database file, into a folder")
    stats.add_argument("database", type=Path, help="a database file (a backup)")
    stats.add_argument("out_dir", type=Path, help="folder for the PNG files")

    deploy = commands.add_parser(
        "deploy",
        help="ship this checkout to a host, restart, check health, roll back if unhealthy",
    )
    deploy.add_argument("--source", type=Path, help="the tree to ship (default: this checkout)")
    deploy.add_argument(
        "--offline", action="store_true", help="install from what the host's venv already has"
    )
    deploy.add_argument(
        "--health-timeout", type=_positive, default=60.0, help="seconds to become healthy"
    )
    _ssh_options(deploy, required=True)

    install = commands.add_parser(
        "install", help="install this release's dependencies into its venv (used by deploy)"
    )
    install.add_argument("--offline", action="store_true")
    migrate = commands.add_parser(
        "migrate", help="bring the database to this release's schema (used by deploy)"
    )
    migrate.add_argument("--label", required=True, help="name of the pre-migration copy")
    migrate.add_argument("--restore", action="store_true", help="put that copy back instead")
    return parser


def host_of(args: argparse.Namespace) -> Host:
    return Host(
        target=args.host,
        port=args.port,
        identity=args.identity,
        ssh_config=args.ssh_config,
        root=args.root,
        env_file=args.env_file,
    )


def forwarded(argv: Sequence[str]) -> list[str]:
    """The command line without the SSH options, to run the same command on the host."""
    with_value = {"--host", "--port", "--identity", "--ssh-config", "--root", "--env-file"}
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in with_value:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def on_host(host: Host, argv: Sequence[str]) -> Exit:
    """Run the same subcommand on the host, its output streamed here."""
    host.check()
    sys.stdout.flush()
    try:
        host.run(host.admin_command(argv), timeout=24 * 3600, stdout=sys.stdout.buffer)
    except RemoteFailed as failed:
        return failed.code
    return Exit.OK


def dispatch(args: argparse.Namespace, argv: Sequence[str]) -> Exit:
    """Run the chosen action; AdminError travels up to ``main``."""
    env = fleet_environment(os.environ, args.state_dir)
    remote = getattr(args, "host", None)
    command: str = args.command
    if remote and command in {"status", "logs", "restart"}:
        return on_host(host_of(args), forwarded(argv[argv.index(command) :]))
    # Imports per action: a status check on a Pi should not load the emulator or matplotlib.
    match command:
        case "menu":
            from admin.menu import menu

            return menu(sys.stdin, sys.stdout, main)
        case "run":
            from admin.demo import DemoSettings
            from admin.run import run

            graphs = (args.graphs or args.state_dir / "graphs").absolute()
            settings = DemoSettings(
                args.members, args.seed, args.speed, graphs, args.days, args.month_speed
            )
            return run(env, settings)
        case "status":
            from admin.status import status

            return status(env, listen=args.listen, wait=args.wait, as_json=args.json)
        case "logs":
            from admin.logs import logs

            return logs(env, args.service, lines=args.lines, follow=args.follow)
        case "restart":
            from admin.fleet import Supervisor
            from admin.restart import restart

            if args.reload:
                Supervisor.from_env(env).reload()
            return restart(env, args.service)
        case "test":
            from admin.selftest import run_tests

            return run_tests(args.pytest_args, full=args.full)
        case "backup":
            from admin.backup import backup, backup_remote

            if remote:
                return backup_remote(host_of(args), args.destination, keep_remote=args.keep_remote)
            return backup(env, args.destination, as_json=args.json)
        case "stats":
            from admin.stats import stats

            return stats(args.database, args.out_dir)
        case "deploy":
            from admin.deploy import deploy

            return deploy(
                host_of(args), args.source, offline=args.offline, health_timeout=args.health_timeout
            )
        case "install":
            from admin.install import install

            return install(Path.cwd(), offline=args.offline)
        case "migrate":
            from admin.migrate import run_migrate

            return run_migrate(env, args.label, restore=args.restore)
    raise AdminError(f"unknown command {command!r}", Exit.USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen action; the exit status says how it went."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(arguments)
    if args.command is None:
        args.command = "menu"
    try:
        return int(dispatch(args, arguments))
    except AdminError as error:
        print(f"squadtime-admin: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        return int(Exit.FAILED)


if __name__ == "__main__":
    sys.exit(main())
