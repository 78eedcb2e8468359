"""Bus benchmarks: request round trip against raw pyzmq REQ/REP, record throughput, idle RSS.

``python -m bench.bus [--round-trips N] [--records N]``. Every figure that is
compared is measured in the same run, against its baseline, because machines
here are noisy. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import zmq
import zmq.asyncio

from bench.common import rss_bytes
from bus.client import BusClient
from bus.endpoints import Endpoints, endpoints_from_env
from bus.protocol import Envelope, Note, Ping, Pong, Reply, Request

REPO = Path(__file__).resolve().parents[1]


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
    """Bus peer: answers Ping (``pong``) or acknowledges every record (``recorder``)."""
    client = BusClient("bench", endpoints_from_env(os.environ, role="client"))
    seen: set[str] = set()

    async def answer(envelope: Envelope, request: Request) -> Reply:
        return Pong(service="bench", pid=os.getpid())

    async def record(batch: Sequence[Envelope]) -> None:
        seen.update(envelope.id for envelope in batch)
        client.ack(batch)

    if role == "pong":
        client.on_requests(answer)
    else:
        client.subscribe("load.")
        client.on_events(record)
    await client.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await client.close()


def spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``python -m bench.bus <args>`` or another module."""
    return subprocess.Popen([sys.executable, *args], env=env, cwd=REPO)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM and reap."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(10)


# ------------------------------------------------------------------ measures


async def raw_round_trips(address: str, count: int) -> list[float]:
    """Round-trip times of REQ/REP over ipc, in seconds."""
    context = zmq.asyncio.Context()
    socket = context.socket(zmq.REQ)
    socket.connect(address)
    times = []
    payload = b"x" * 64
    for _ in range(count):
        started = time.perf_counter()
        await socket.send(payload)
        await socket.recv()
        times.append(time.perf_counter() - started)
    socket.close(linger=0)
    context.term()
    return times


async def bus_round_trips(endpoints: Endpoints, count: int) -> list[float]:
    """Round-trip times of a bus request (client -> broker -> service -> broker -> client)."""
    async with BusClient("benchclient", endpoints) as client:
        await client.request("bench", Ping(), expect=Pong, timeout=30, attempts=30)  # warm
        times = []
        for _ in range(count):
            started = time.perf_counter()
            await client.request("bench", Ping(), expect=Pong, timeout=5)
            times.append(time.perf_counter() - started)
    return times


async def record_throughput(endpoints: Endpoints, count: int) -> float:
    """Records per second from publish to the recorder's acknowledgement."""
    async with BusClient("load", endpoints) as client:
        started = time.perf_counter()
        for value in range(count):
            client.record(Note(key="load", value=value))
            if value % 1000 == 999:
                await asyncio.sleep(0)
        while client.unacked:  # noqa: ASYNC110 -- a benchmark polls; the client has no event
            await asyncio.sleep(0.005)
        return count / (time.perf_counter() - started)


def fleet_idle_rss(root: Path) -> dict[str, int]:
    """Start the fleet under supervisord, let it settle, read each program's RSS."""
    run_dir, log_dir = root / "fleet-run", root / "fleet-log"
    run_dir.mkdir(mode=0o700)
    log_dir.mkdir()
    env = {
        **os.environ,
        "SQUADTIME_RUNTIME_DIR": str(run_dir),
        "SQUADTIME_LOG_DIR": str(log_dir),
        "SQUADTIME_DATA_DIR": str(root / "fleet-data"),
    }
    bin_dir = Path(sys.executable).parent
    conf = str(REPO / "supervisord.conf")
    supervisord = subprocess.Popen(
        [str(bin_dir / "supervisord"), "-c", conf], env=env, stdout=subprocess.DEVNULL
    )
    try:
        pids: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while len(pids) < 5 and time.monotonic() < deadline:
            time.sleep(1)
            status = subprocess.run(
                [str(bin_dir / "supervisorctl"), "-c", conf, "status"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            pids = {
                line.split()[0].split(":")[1]: int(line.split()[3].rstrip(","))
                for line in status.splitlines()
                if " RUNNING " in line
            }
        time.sleep(3)  # idle means: after start-up work is done
        return {name: rss_bytes(pid) for name, pid in pids.items()}
    finally:
        supervisord.terminate()
        supervisord.wait(30)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every bus benchmark and print the JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.bus", description=__doc__)
    parser.add_argument("--round-trips", type=int, default=3000)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--role", choices=["rep", "pong", "recorder"], help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "rep":
        serve_rep(args.address)
        return 0
    if args.role:
        asyncio.run(serve_bus(args.role))
        return 0

    root = Path(tempfile.mkdtemp(prefix="sqt-bench-", dir="/tmp"))
    root.chmod(0o700)
    env = {**os.environ, "SQUADTIME_RUNTIME_DIR": str(root)}
    endpoints = Endpoints.ipc(root)
    raw_address = f"ipc://{root / 'raw.sock'}"

    rep = spawn("-m", "bench.bus", "--role", "rep", "--address", raw_address, env=env)
    raw = asyncio.run(raw_round_trips(raw_address, args.round_trips))
    stop(rep)

    broker = spawn("-m", "bus", env=env)
    pong = spawn("-m", "bench.bus", "--role", "pong", env=env)
    over_bus = asyncio.run(bus_round_trips(endpoints, args.round_trips))
    stop(pong)
    recorder = spawn("-m", "bench.bus", "--role", "recorder", env=env)
    time.sleep(1)  # not synchronisation: the recorder's start-up is kept out of the timing
    rate = asyncio.run(record_throughput(endpoints, args.records))
    stop(recorder, broker)

    idle = fleet_idle_rss(root)
    raw_p50, bus_p50 = statistics.median(raw), statistics.median(over_bus)
    figures = {
        "raw_reqrep_p50_us": round(raw_p50 * 1e6, 1),
        "bus_request_p50_us": round(bus_p50 * 1e6, 1),
        "bus_request_p99_us": round(statistics.quantiles(over_bus, n=100)[98] * 1e6, 1),
        "round_trip_ratio": round(bus_p50 / raw_p50, 2),
        "records_per_second": round(rate),
        "idle_rss_mb": {name: round(rss / 2**20, 1) for name, rss in sorted(idle.items())},
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
