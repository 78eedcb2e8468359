"""The life of a service process: settings, logging, bus, heartbeats, signals, drain.

A service is a class with a ``name`` and two coroutines: ``setup`` (before the
bus connects: subscribe, set handlers) and ``run`` (after: the work; it may
return at once when the work is all in handlers). ``run_service`` does the
rest, the same way for every process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bus.client import BusClient
from bus.clock import wall_time
from bus.errors import BusUnavailable, ErrorCode, RequestRefused
from bus.liveness import Liveness
from bus.protocol import Envelope, Heartbeat, Ping, Pong, Reply, Request, tag_of
from bus.rpc import RequestHandler
from bus.tasks import TaskSet
from services.runtime.backoff import note_start
from services.runtime.logs import RedactingFilter, configure_logging
from services.runtime.private import keep_private
from services.runtime.settings import Settings, SettingsError

log = logging.getLogger(__name__)

MISSED_BEATS = 3

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2  # bad settings: supervisord must not restart (see supervisord.conf)


class CannotStart(Exception):
    """Raised by a service's ``setup`` when starting again would fail the same way (a
    damaged file): its message, which says what to do, is logged as one line and the
    process ends with ``EXIT_CONFIG``, which supervisord does not restart."""


@dataclass(slots=True)
class Runtime:
    """What a running service gets from the runtime."""

    settings: Settings
    bus: BusClient
    redactor: RedactingFilter
    tasks: TaskSet = field(default_factory=TaskSet)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = field(default_factory=wall_time)
    trouble: str = ""
    """What keeps the service from its work right now ("disk full"), said in every heartbeat
    until it is cleared; set by the service, which also logs it (once)."""


class Service(Protocol):
    """A process's behaviour; see the module docstring."""

    name: str
    description: str

    async def setup(self, runtime: Runtime) -> None: ...

    async def run(self, runtime: Runtime) -> None: ...

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply: ...


class RequestsNotServed:
    """Mixin for services that answer no requests of their own (only the runtime's Ping)."""

    name: str

    async def handle_request(self, envelope: Envelope, request: Request) -> Reply:
        """Refuse: this service serves no requests."""
        raise RequestRefused(ErrorCode.UNKNOWN_REQUEST, f"{self.name} does not serve this request")


class ExitsWithCode(Service, Protocol):
    """A service that may end its process with a code of its own (a refused token: 2)."""

    exit_code: int


def run_configured[C](
    name: str,
    load: Callable[[Mapping[str, str]], C],
    blank: C,
    make: Callable[[C], ExitsWithCode],
    argv: Sequence[str] | None = None,
) -> int:
    """``main()`` of a service with settings of its own: ``load`` them from the environment
    (a ``SettingsError`` ends the process with status 2 and its reason), ``make`` the service
    and run it. ``--help`` needs no settings: it is answered with ``blank`` ones."""
    args = list(sys.argv[1:] if argv is None else argv)
    config = blank
    if not {"-h", "--help"} & set(args):
        try:
            config = load(os.environ)
        except SettingsError as error:
            configure_logging(name, "INFO")
            log.error("cannot start: %s", error)  # noqa: TRY400 -- the message is the whole story
            return EXIT_CONFIG
    service = make(config)
    code = run_service(service, args)
    return service.exit_code or code


def run_service(service: Service, argv: Sequence[str] | None = None) -> int:
    """Run ``service`` as this process's main; return the exit code."""
    keep_private()  # whatever umask started us: the files we write are the community's data
    parser = argparse.ArgumentParser(
        prog=f"python -m services.{service.name}",
        description=f"{service.description} Settings come from the environment"
        " (SQUADTIME_RUNTIME_DIR, SQUADTIME_DATA_DIR, SQUADTIME_LOG_LEVEL, ...);"
        " see README.md.",
    )
    parser.parse_args(argv)
    try:
        settings = Settings.from_env(service.name, os.environ)
    except SettingsError as error:
        configure_logging(service.name, "INFO")
        log.error("cannot start: %s", error)  # noqa: TRY400 -- the message is the whole story
        return EXIT_CONFIG
    redactor = configure_logging(service.name, settings.log_level)
    try:
        return asyncio.run(_serve(service, settings, redactor))
    except KeyboardInterrupt:
        return EXIT_OK


async def _serve(service: Service, settings: Settings, redactor: RedactingFilter) -> int:
    # A peer is said to be down only after missing this many heartbeats; until then a
    # request it does not answer in time is logged as slow.
    liveness = Liveness(window=MISSED_BEATS * settings.heartbeat_interval)
    bus = BusClient(service.name, settings.endpoints, liveness=liveness)
    runtime = Runtime(settings, bus, redactor)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, runtime.stopping.set)

    delay = note_start(settings.runtime_dir / f"{service.name}.starts")
    if delay:
        log.warning("restarted often: waiting %.0f s before starting", delay)
        try:
            async with asyncio.timeout(delay):
                await runtime.stopping.wait()
        except TimeoutError:
            pass
        else:
            return EXIT_OK

    runtime.bus.on_requests(answering(service, runtime))
    try:
        await service.setup(runtime)
    except CannotStart as error:
        log.error("cannot start: %s", error)  # noqa: TRY400 -- the message is the whole story
        return EXIT_CONFIG
    try:
        await runtime.bus.start(timeout=settings.bus_timeout)
    except BusUnavailable as error:
        log.error("%s", error)  # noqa: TRY400 -- the message is the whole story
        return EXIT_FAILED
    log.info("%s up (pid %d)", service.name, os.getpid())
    runtime.tasks.spawn(_heartbeats(runtime), name="heartbeat")
    work = asyncio.create_task(service.run(runtime), name=f"{service.name}.run")
    stop = asyncio.create_task(runtime.stopping.wait(), name="stopping")
    await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    code = EXIT_OK
    if work.done() and not work.cancelled() and work.exception() is not None:
        log.error("%s failed", service.name, exc_info=work.exception())
        code = EXIT_FAILED
    elif work.done():
        # The work is in the handlers; serve until asked to stop.
        await runtime.stopping.wait()
    log.info("%s stopping", service.name)
    for task in (work, stop):
        task.cancel()
    await asyncio.wait({work, stop}, timeout=settings.drain_timeout)
    await runtime.bus.close(drain_timeout=settings.drain_timeout)
    await runtime.tasks.cancel_all(timeout=settings.drain_timeout)
    return code


def answering(service: Service, runtime: Runtime) -> RequestHandler:
    """The handler of ``service``'s requests: Ping is answered here, the rest by the service.

    Stopping closes what handlers use (the gateway's Discord session) while requests are
    still in flight: a failure then is the stop, not a fault, and is refused ``unavailable``
    with one INFO line rather than logged as a bug with its traceback.
    """

    async def serve_request(envelope: Envelope, request: Request) -> Reply:
        if isinstance(request, Ping):
            return Pong(service=service.name, pid=os.getpid())
        try:
            return await service.handle_request(envelope, request)
        except RequestRefused:
            raise
        except Exception as error:
            if not runtime.stopping.is_set():
                raise  # a bug: the request server logs it with its traceback
            log.info("%s not answered: %s is stopping (%s)", tag_of(request), service.name, error)
            raise RequestRefused(ErrorCode.UNAVAILABLE, f"{service.name} is stopping") from None

    return serve_request


async def _heartbeats(runtime: Runtime) -> None:
    bus, settings = runtime.bus, runtime.settings
    while True:
        bus.publish(
            Heartbeat(
                service=settings.service,
                pid=os.getpid(),
                started=runtime.started,
                handled=bus.counters.handled,
                dropped=bus.counters.dropped,
                retried=bus.counters.retried,
                queue_depth=bus.queue_depth,
                unacked=bus.unacked,
                rss_bytes=resident_bytes(),
                trouble=runtime.trouble,
            )
        )
        await asyncio.sleep(settings.heartbeat_interval)


def resident_bytes() -> int:
    """This process's resident set size, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0
