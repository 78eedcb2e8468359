"""Bus benchmarks: request round trip against raw pyzmq REQ/REP, record throughput, idle memory.

``python -m bench.bus [--round-trips N] [--repeats N] [--records N] [--idle S]``.

* Round trips: a bus request (client -> the service's own socket -> client, see
  ``bus/rpc.py``) against a plain REQ/REP echo over ipc, both bounded by a deadline as
  every wait here is. They are measured in ``--repeats`` interleaved rounds (which of the
  two goes first alternates), because machines here are noisy: each round gives a ratio of
  the medians, and the figures give the median, the lowest and the highest of them.
* Record throughput: records per second from publishing to the recorder's acknowledgement.
* Idle memory: the whole fleet under supervisord (the repo's supervisord.conf), logged in
  to an emulated Discord in this process as in ``bench/soak.py``; once every program runs
  and the commands are registered, it idles ``--idle`` seconds, then each program's RSS and
  the PSS of supervisord and every process below it are read.

Helper processes (the REP echo, the broker, a pong service, a recorder) are waited for by
a first answer, never by a sleep. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio

from admin.fleet import PROGRAMS
from bench.common import BenchFailed, Figures, in_private_dir, report, rss_bytes
from bench.soak import READY_TIMEOUT, Fleet, fleet_pss, mb
from bus.client import BusClient
from bus.endpoints import Endpoints, endpoints_from_env
from bus.errors import BusError
from bus.protocol import Envelope, Note, Ping, Pong, Reply, Request
from emulator import Emulator

REPO = Path(__file__).resolve().parents[1]
PONG = "bench-pong"
RECORDER = "bench-recorder"
REPLY_TIMEOUT = 5.0
"""For one round trip, raw or over the bus."""
HELPER_TIMEOUT = 30.0
"""From a helper process's start to its first answer."""
RECORD_TIMEOUT = 120.0
"""From the first record published to the last one acknowledged."""
HELPER_STOP_TIMEOUT = 10.0
COMMANDS = frozenset({"config", "stats"})
"""Registered by the scheduler and telemetry through the gateway: start-up work is done."""
PAYLOAD = b"x" * 64
WARM_UP = 1000
"""Round trips of each kind before the rounds begin."""


# ------------------------------------------------------------ helper processes


def serve_rep(address: str) -> None:
    """Baseline peer: a plain REP socket echoing every request."""
    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.bind(address)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        socket.send(socket.recv())


async def serve_bus(role: str) -> None:
    """Bus peer: answers Ping (both roles); the recorder also acknowledges every record."""
    name = PONG if role == "pong" else RECORDER
    client = BusClient(name, endpoints_from_env(os.environ, role="client"))

    async def answer(envelope: Envelope, request: Request) -> Reply:
        return Pong(service=name, pid=os.getpid())

    async def record(batch: Sequence[Envelope]) -> None:
        client.ack(batch)

    client.on_requests(answer)
    if role == "recorder":
        client.subscribe("load.")
        client.on_events(record)
    await client.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await client.close()


@dataclass
class Helper:
    """A helper process (``python -m <module> ...``) in a session of its own."""

    name: str
    process: asyncio.subprocess.Process

    @classmethod
    async def spawn(cls, name: str, *args: str, env: dict[str, str]) -> Helper:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            env=env,
            cwd=REPO,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sys.stderr.fileno(),  # stdout is for the summary and the JSON line
            # Its own session: Ctrl-C reaches this process only, which stops the helpers.
            start_new_session=True,
        )
        return cls(name, process)

    async def ready(self, first_answer: Coroutine[Any, Any, object]) -> None:
        """Wait for ``first_answer``, failing if the helper exits first or takes too long."""
        answered = asyncio.ensure_future(first_answer)
        exited = asyncio.ensure_future(self.process.wait())
        try:
            done, _ = await asyncio.wait(
                {answered, exited}, timeout=HELPER_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            answered.cancel()
            exited.cancel()
        if answered in done:
            answered.result()  # the check's own failure, if it failed
        elif exited in done:
            raise BenchFailed(f"the {self.name} exited with {self.process.returncode} at start")
        else:
            raise BenchFailed(f"the {self.name} gave no answer within {HELPER_TIMEOUT:.0f} s")

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end in time; reaped either way."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), HELPER_STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# ------------------------------------------------------------------ measures


async def first_echo(socket: zmq.asyncio.Socket) -> None:
    """The REP echo's first answer (bounded by ``Helper.ready``)."""
    await socket.send(PAYLOAD)
    await socket.recv()


async def raw_round_trips(socket: zmq.asyncio.Socket, count: int) -> list[float]:
    """Round-trip times of REQ/REP over ipc, in seconds, each bounded by ``REPLY_TIMEOUT``."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                await socket.send(PAYLOAD)
                await socket.recv()
        except TimeoutError:
            raise BenchFailed(f"the REP echo did not answer within {REPLY_TIMEOUT:.0f} s") from None
        times.append(time.perf_counter() - started)
    return times


async def bus_round_trips(client: BusClient, count: int) -> list[float]:
    """Round-trip times of a bus request (client -> service's socket -> client), in seconds."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await client.request(PONG, Ping(), expect=Pong, timeout=REPLY_TIMEOUT)
        times.append(time.perf_counter() - started)
    return times


async def record_throughput(client: BusClient, count: int) -> float:
    """Records per second from publish to the recorder's acknowledgement."""
    started = time.perf_counter()
    deadline = time.monotonic() + RECORD_TIMEOUT
    for value in range(count):
        client.record(Note(key="load", value=value))
        if value % 1000 == 999:
            await asyncio.sleep(0)
    while client.unacked:
        if time.monotonic() > deadline:
            raise BenchFailed(
                f"{client.unacked} of {count} records still unacknowledged"
                f" {RECORD_TIMEOUT:.0f} s after the first was sent"
            )
        await asyncio.sleep(0.005)
    return count / (time.perf_counter() - started)


@dataclass
class Round:
    """One round's round trips, in seconds."""

    raw: list[float]
    bus: list[float]

    @property
    def ratio(self) -> float:
        """The bus's median round trip over the raw one's."""
        return statistics.median(self.bus) / statistics.median(self.raw)


async def bus_figures(root: Path, round_trips: int, repeats: int, records: int) -> Figures:
    """The round trips in interleaved rounds, then the record throughput."""
    env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(root)}
    endpoints = Endpoints.ipc(root)
    raw_address = f"ipc://{root / 'raw.sock'}"
    helpers: list[Helper] = []
    context = zmq.asyncio.Context()
    req = context.socket(zmq.REQ)
    req.linger = 0
    client = BusClient("benchclient", endpoints)
    try:
        for name, args in [
            ("broker", ("-m", "bus")),
            ("REP echo", ("-m", "bench.bus", "--role", "rep", "--address", raw_address)),
            ("pong service", ("-m", "bench.bus", "--role", "pong")),
            ("recorder", ("-m", "bench.bus", "--role", "recorder")),
        ]:
            helpers.append(await Helper.spawn(name, *args, env=env))
        broker, echo, pong, recorder = helpers
        # The client's start waits for its own probe to come back through the broker.
        await broker.ready(client.start(timeout=HELPER_TIMEOUT))
        req.connect(raw_address)  # ZeroMQ queues the first request until the echo binds
        await echo.ready(first_echo(req))
        for helper, service in [(pong, PONG), (recorder, RECORDER)]:
            await helper.ready(
                client.request(service, Ping(), expect=Pong, timeout=HELPER_TIMEOUT, attempts=30)
            )
        # Not counted: without it, the first round's raw round trips ran some 20% slower.
        await raw_round_trips(req, WARM_UP)
        await bus_round_trips(client, WARM_UP)
        rounds = []
        for number in range(1, repeats + 1):
            if number % 2:
                raw = await raw_round_trips(req, round_trips)
                over_bus = await bus_round_trips(client, round_trips)
            else:
                over_bus = await bus_round_trips(client, round_trips)
                raw = await raw_round_trips(req, round_trips)
            rounds.append(Round(raw, over_bus))
            print(
                f"round {number}/{repeats}: raw p50 {statistics.median(raw) * 1e6:.1f} us,"
                f" bus p50 {statistics.median(over_bus) * 1e6:.1f} us,"
                f" ratio {rounds[-1].ratio:.2f}",
                file=sys.stderr,
                flush=True,
            )
        async with BusClient("load", endpoints) as loader:
            rate = await record_throughput(loader, records)
    finally:
        await client.close()
        req.close(linger=0)
        context.term()
        await asyncio.gather(*(helper.stop() for helper in helpers))
    ratios = [each.ratio for each in rounds]
    raw_all = [value for each in rounds for value in each.raw]
    bus_all = [value for each in rounds for value in each.bus]
    return {
        "raw_reqrep_p50_us": round(statistics.median(raw_all) * 1e6, 1),
        "bus_request_p50_us": round(statistics.median(bus_all) * 1e6, 1),
        "bus_request_p99_us": round(statistics.quantiles(bus_all, n=100)[98] * 1e6, 1),
        "round_trip_ratio": round(statistics.median(ratios), 2),
        "round_trip_ratio_min": round(min(ratios), 2),
        "round_trip_ratio_max": round(max(ratios), 2),
        "round_trip_ratios": [round(ratio, 2) for ratio in ratios],
        "round_trips_per_round": round_trips,
        "repeats": repeats,
        "records_per_second": round(rate),
    }


async def fleet_idle_memory(root: Path, idle: float) -> Figures:
    """The fleet logged in to an emulated Discord, after ``idle`` seconds: RSS and PSS."""
    home = root / "fleet"
    home.mkdir()
    async with Emulator() as emu:
        fleet = Fleet(home, emu)
        await fleet.start()
        try:
            try:
                await fleet.running()
            except RuntimeError as error:  # soak's Fleet: a program did not start in time
                raise BenchFailed(str(error)) from None

            def logged_in() -> bool:
                commands = {command.name for command in emu.world.commands.values()}
                return bool(emu.gateway.live_sessions) and commands >= COMMANDS

            try:
                await emu.driver.wait_until(logged_in, timeout=READY_TIMEOUT)
            except TimeoutError:
                raise BenchFailed(
                    f"the gateway was not logged in with {sorted(COMMANDS)} registered"
                    f" within {READY_TIMEOUT:.0f} s"
                ) from None
            await asyncio.sleep(idle)  # idling before the measure, not synchronisation
            pids = await fleet.pids()  # RUNNING programs only
            if missing := [name for name in PROGRAMS if name not in pids]:
                raise BenchFailed(f"not running after idling: {', '.join(missing)}")
            assert fleet.process is not None
            rss = {name: rss_bytes(pid) for name, pid in pids.items()}
            pss = fleet_pss(fleet.process.pid, pids)
        finally:
            await fleet.stop()
    return {
        "idle_rss_mb": {name: mb(size) for name, size in sorted(rss.items())},
        "idle_pss_mb": mb(sum(pss.values())),
        "idle_pss_by_process_mb": {name: mb(size) for name, size in pss.items()},
        "idle_seconds": idle,
    }


async def measure(args: argparse.Namespace, root: Path) -> Figures:
    figures: Figures = {"bench": "bus"}
    figures |= await bus_figures(root, args.round_trips, args.repeats, args.records)
    figures |= await fleet_idle_memory(root, args.idle)
    return figures


def summary(figures: Figures) -> str:
    return (
        f"bus request p50 {figures['bus_request_p50_us']} us against raw REQ/REP"
        f" {figures['raw_reqrep_p50_us']} us: ratio {figures['round_trip_ratio']}"
        f" (from {figures['round_trip_ratio_min']} to {figures['round_trip_ratio_max']}"
        f" over {figures['repeats']} rounds); {figures['records_per_second']} records/s;"
        f" idle fleet PSS {figures['idle_pss_mb']} MB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run every bus benchmark and print the figures; the last line is JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.bus",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--round-trips",
        type=int,
        default=3000,
        metavar="N",
        help="round trips of each kind in each round (default 3000)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        metavar="N",
        help="interleaved rounds of raw and bus round trips (default 5)",
    )
    parser.add_argument(
        "--records",
        type=int,
        default=50_000,
        metavar="N",
        help="records to publish (default 50000)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds the logged-in fleet idles before its memory is read (default 5)",
    )
    parser.add_argument("--role", choices=["rep", "pong", "recorder"], help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "rep":
        serve_rep(args.address)
        return 0
    if args.role:
        asyncio.run(serve_bus(args.role))
        return 0
    if args.round_trips < 2:
        parser.error("--round-trips must be at least 2")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.records < 1:
        parser.error("--records must be at least 1")
    if args.idle < 0:
        parser.error("--idle must not be negative")
    try:
        figures = in_private_dir(lambda root: measure(args, root))
    except (BenchFailed, BusError) as error:
        print(f"python -m bench.bus: {error}", file=sys.stderr)
        return 1
    return report(summary(figures), figures)


if __name__ == "__main__":
    sys.exit(main())
