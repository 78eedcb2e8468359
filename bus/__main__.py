"""``python -m bus``: run the broker, or make CurveZMQ keys for a multi-host bus."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from bus.broker import Broker
from bus.endpoints import EndpointError, create_curve_keys, endpoints_from_env

log = logging.getLogger("bus")


def main(argv: list[str] | None = None) -> int:
    """Run the broker until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m bus",
        description="squadtime's message bus broker. Endpoints come from the environment: "
        "SQUADTIME_RUNTIME_DIR (private ipc sockets, the default), or SQUADTIME_BUS_PUBLISH / "
        "SQUADTIME_BUS_SUBSCRIBE with SQUADTIME_BUS_KEYS for tcp:// with CurveZMQ.",
    )
    commands = parser.add_subparsers(dest="command")
    keygen = commands.add_parser("keygen", help="make CurveZMQ keys for a tcp:// bus")
    keygen.add_argument("folder", type=Path, help="where to write the keys (created 0700)")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=os.environ.get("SQUADTIME_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    try:
        if args.command == "keygen":
            create_curve_keys(args.folder)
            print(f"keys written to {args.folder}")
            return 0
        endpoints = endpoints_from_env(os.environ, role="broker")
    except EndpointError as error:
        log.error("%s", error)  # noqa: TRY400 -- the message is the whole story
        return 2

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    broker = Broker(endpoints)
    broker.start()
    stop.wait()
    log.info("bus broker stopping")
    broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
