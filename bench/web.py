"""The dashboard's latency and memory: each page and a graph from the web program, against
the same pages served by a baseline commit's fleet and the same graph asked with ``/stats``
in Discord (telemetry's own path), all in the same run.

The gateway, scheduler, telemetry and web programs run as processes on a private bus,
logged in to an in-process emulator whose guild has four weeks of voice history. A
moderator logs in through the emulator's OAuth2 page; then each path is timed:

- ``pages``: each page on its own (home, My page, the week ahead, the deletion page, the
  board, the graphs page, members, configuration, the login page and a page that is not
  there, 404), p50 and p99, and its *first-paint bytes*: the document plus the style sheet
  and the script its head waits for, which is what a phone downloads before it can draw
  anything (each request checks the visitor's rights with the scheduler and asks
  telemetry); ``page`` is all of them together;
- ``baseline``: the same pages from the fleet of ``--baseline`` (by default the dashboard
  as issue 28 found it, before its designed interface), extracted with ``git archive`` and
  run the same way before today's: each page's p50 against the baseline's must stay within
  ``SLOWER_AT_MOST`` (a page the baseline does not have is measured, not compared);
- ``graph_drawn``: a graph the dashboard has not drawn yet (a new period each time: the
  cache misses, telemetry's worker draws it);
- ``graph_cached``: the same graph again (one data-version question to telemetry);
- ``stats``: ``/stats`` run in Discord until its PNG is shown (interaction, relay, worker,
  follow-up upload).

Then the web program's idle memory (RSS and PSS) after ``--idle`` seconds, against the
fleet's goal for the web program (``WEB_MEMORY_GOAL_MB``).

The program exits 1 when a page's p50 is over ``SLOWER_AT_MOST`` times the baseline's or
the idle memory (PSS) is over the goal, so a script or CI can act on it; 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bench.common import (
    baseline_tree,
    in_private_dir,
    percentile,
    pss_bytes,
    report,
    rss_bytes,
    service_env,
)
from bus.broker import Broker
from bus.client import BusClient
from bus.endpoints import Endpoints
from bus.protocol import MemberFacts, VoiceChanged, VoiceFacts
from emulator import Emulator
from emulator.rules.state import Channel, Member

SERVICES = ("telemetry", "gateway", "scheduler", "web")
STEP = 60.0
DAY = 86_400.0
ROOT = Path(__file__).resolve().parent.parent
BASELINE = "41cc240"
"""The dashboard as issue 28 found it: the last commit before its designed interface
(ec6708c), so the design's cost (style sheet, theme script, names, pictures) and everything
after it (the week ahead, reliability from its day) is measured against the plain pages."""
SLOWER_AT_MOST = 1.5
"""The issue's bound: no page more than 1.5 times slower than the baseline's."""
WEB_MEMORY_GOAL_MB = 200
"""The fleet's goal for one program at idle, the web program included."""
PAGES: dict[str, tuple[str, int]] = {
    "home": ("/", 200),
    "me": ("me", 200),
    "week": ("week", 200),
    "delete": ("me/delete", 200),
    "board": ("board", 200),
    "graphs": ("graphs", 200),
    "members": ("members", 200),
    "config": ("config", 200),
    "login": ("/login", 200),
    "404": ("no-such-page", 404),
}
"""Each page benched: its path (under the guild's unless it starts with ``/``) and the
status it answers with; ``404`` is the error page a mistyped address gets."""
PAGE_ROUNDS = 5
"""Each page is timed this many times per round: a page costs milliseconds where a graph
costs seconds, and the p50 of 20 samples follows whatever else the shared machine is
doing at the time."""
HEAD_FILES = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"')


def _ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5) * 1000, 1),
        "p99_ms": round(percentile(samples, 0.99) * 1000, 1),
    }


async def _history(endpoints: Endpoints, members: list[Member], voice: Channel) -> int:
    """Four weeks of evenings in voice, recorded as the gateway reports them."""
    rng = random.Random(7)
    now = time.time()
    changes: list[tuple[float, Member, int, int]] = []
    for member in members:
        for day in range(28):
            if rng.random() < 0.5:
                start = now - (day + 1) * DAY + rng.uniform(17, 21) * 3600
                end = start + rng.uniform(0.5, 3) * 3600
                changes += [(start, member, 0, voice.id), (min(end, now - 60), member, voice.id, 0)]
    peer = BusClient("gateway", endpoints)
    await peer.start(timeout=STEP)
    try:
        for at, member, before, after in sorted(changes, key=lambda c: c[0]):
            facts = MemberFacts(user_id=member.user_id, display_name=f"player {member.user_id}")
            peer.record(
                VoiceChanged(
                    guild_id=member.guild_id,
                    member=facts,
                    before_channel_id=before,
                    after=VoiceFacts(user_id=member.user_id, channel_id=after),
                    at=at,
                )
            )
        deadline = time.monotonic() + STEP
        while peer.unacked:
            if time.monotonic() > deadline:
                raise RuntimeError("telemetry did not store the voice history")
            await asyncio.sleep(0.1)  # telemetry acknowledges in batches
    finally:
        await peer.close()
    return len(changes) // 2


async def _log_in(http: aiohttp.ClientSession, url: str, emu: Emulator, member: Member) -> None:
    async with http.get(f"{url}/login/discord", allow_redirects=False) as answer:
        authorize = urlsplit(answer.headers["Location"])
    form = {k: v[0] for k, v in parse_qs(authorize.query).items()} | {
        "user_id": str(member.user_id)
    }
    async with http.post(f"{emu.url}/oauth2/authorize", data=form, allow_redirects=False) as back:
        callback = back.headers["Location"]
    async with http.get(callback, allow_redirects=False) as answer:
        if answer.status != 302:
            raise RuntimeError(f"the login failed: {answer.status}")


async def _timed_get(http: aiohttp.ClientSession, url: str, status: int = 200) -> float:
    began = time.perf_counter()
    async with http.get(url, allow_redirects=False) as answer:
        await answer.read()
        if answer.status != status:
            raise RuntimeError(f"{url}: {answer.status} {await answer.text()}")
    return time.perf_counter() - began


def _address(url: str, guild: str, path: str) -> str:
    return url + path if path.startswith("/") else f"{guild}/{path}"


async def _pages(
    http: aiohttp.ClientSession, url: str, guild: str, rounds: int
) -> dict[str, tuple[list[float], int]]:
    """Each page the fleet serves, timed ``rounds`` times (the pages taking turns), with its
    first-paint bytes; a page this fleet does not have (404 where 200 is expected) is left
    out."""
    found: dict[str, tuple[list[float], int]] = {}
    for name, (path, status) in PAGES.items():
        async with http.get(_address(url, guild, path), allow_redirects=False) as answer:
            if answer.status != status:
                if answer.status == 404:
                    continue
                raise RuntimeError(f"{name}: {answer.status}, not {status}")
            document = await answer.read()
        size = len(document)
        for linked in HEAD_FILES.findall(document.decode()):
            async with http.get(url + linked) as answer:
                size += len(await answer.read())
        found[name] = ([], size)
    for _ in range(rounds):
        for name, (times, _) in found.items():
            path, status = PAGES[name]
            times.append(await _timed_get(http, _address(url, guild, path), status))
    return found


async def _ready(http: aiohttp.ClientSession, url: str) -> None:
    deadline = time.monotonic() + STEP
    while time.monotonic() < deadline:
        async with http.get(url, allow_redirects=False) as answer:
            if answer.status == 200:
                return
        await asyncio.sleep(0.2)  # the scheduler is still learning the guild
    raise RuntimeError(f"{url} never answered 200")


async def measure(rounds: int, idle: float, runtime: Path, tree: Path = ROOT) -> dict[str, Any]:
    """The figures of the fleet whose code is in ``tree`` (this one by default)."""
    endpoints = Endpoints.ipc(runtime)
    broker = Broker(endpoints)
    broker.start()
    processes: dict[str, asyncio.subprocess.Process] = {}
    try:
        async with Emulator() as emu:
            driver = emu.driver
            guild = driver.add_guild("Bench")
            admins = driver.add_role(guild, "Admins", permissions=1 << 5)
            text = driver.add_text_channel(guild, "general")
            voice = driver.add_voice_channel(guild, "Lobby")
            admin = driver.add_member(guild, "admin", roles=[admins])
            players = [driver.add_member(guild, f"p{i:02d}") for i in range(16)]
            env = service_env(
                runtime,
                emu.api_url,
                emu.token,
                SQUADTIME_WEB_PORT="0",
                DISCORD_CLIENT_ID=str(emu.oauth.client_id),
                DISCORD_CLIENT_SECRET=emu.oauth.client_secret,
            )
            try:
                for name in SERVICES:
                    processes[name] = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        f"services.{name}",
                        env=env | {"PYTHONPATH": str(tree)},
                        cwd=tree,
                    )
                figures = await _play(emu, endpoints, runtime, admin, text, voice, players, rounds)
                await asyncio.sleep(idle)  # idling before the measure, not synchronisation
                web = processes["web"].pid
                figures["web_idle_rss_mb"] = round(rss_bytes(web) / 2**20, 1)
                figures["web_idle_pss_mb"] = round(pss_bytes(web) / 2**20, 1)
            finally:
                for process in processes.values():
                    process.terminate()
                for process in processes.values():
                    await asyncio.wait_for(process.wait(), STEP)
    finally:
        broker.stop()
    return figures


async def _play(
    emu: Emulator,
    endpoints: Endpoints,
    runtime: Path,
    admin: Member,
    text: Channel,
    voice: Channel,
    players: list[Member],
    rounds: int,
) -> dict[str, Any]:
    address = runtime / "web.url"
    deadline = time.monotonic() + STEP
    while not address.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the web program did not start")
        await asyncio.sleep(0.2)  # the web program writes its address once it listens
    url = address.read_text().strip()
    emu.oauth.redirect_uris.add(url + "/login/callback")
    await emu.driver.wait_until(
        lambda: "stats" in {c.name for c in emu.world.commands.values()}, timeout=STEP
    )
    stays = await _history(endpoints, players, voice)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        await _log_in(http, url, emu, admin)
        guild = f"{url}/g/{admin.guild_id}"
        await _ready(http, f"{guild}/members")
        pages = await _pages(http, url, guild, rounds * PAGE_ROUNDS)
        drawn = [
            await _timed_get(http, f"{guild}/graphs/voice-time.png?days={28 + n}")
            for n in range(rounds)
        ]
        cached = [
            await _timed_get(http, f"{guild}/graphs/voice-time.png?days=28") for _ in range(rounds)
        ]
    stats = []
    for n in range(rounds):
        began = time.perf_counter()
        outcome = await emu.driver.slash(
            admin, text, "stats", {"graph": "voice-time", "days": 28 + n}
        )
        shown = await emu.driver.settle(outcome, timeout=STEP)
        if not shown.attachments:
            raise RuntimeError(f"/stats answered without a graph: {shown.content}")
        stats.append(time.perf_counter() - began)
    every = [seconds for times, _ in pages.values() for seconds in times]
    return {
        "bench": "web",
        "rounds": rounds,
        "page_rounds": rounds * PAGE_ROUNDS,
        "voice_stays": stays,
        "pages": {
            name: _ms(times) | {"first_paint_bytes": size} for name, (times, size) in pages.items()
        },
        "page": _ms(every),
        "graph_drawn": _ms(drawn),
        "graph_cached": _ms(cached),
        "stats": _ms(stats),
        "graph_drawn_vs_stats_p50": round(percentile(drawn, 0.5) / percentile(stats, 0.5), 2),
        "page_vs_stats_p50": round(percentile(every, 0.5) / percentile(stats, 0.5), 3),
    }


def compare(now: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    """Each page's p50 against the baseline's, the slowest ratio, and whether the bounds hold."""
    ratios = {
        name: round(row["p50_ms"] / then["pages"][name]["p50_ms"], 2)
        for name, row in now["pages"].items()
        if name in then["pages"] and then["pages"][name]["p50_ms"] > 0
    }
    slowest = max(ratios.values(), default=0.0)
    return {
        "baseline_pages": then["pages"],
        "baseline_web_idle_pss_mb": then["web_idle_pss_mb"],
        "page_p50_vs_baseline": ratios,
        "slowest_page_vs_baseline": slowest,
        "pages_within_bound": slowest <= SLOWER_AT_MOST,
        "web_memory_within_goal": now["web_idle_pss_mb"] <= WEB_MEMORY_GOAL_MB,
    }


async def both(rounds: int, idle: float, runtime: Path, ref: str) -> dict[str, Any]:
    """The baseline's fleet, then today's, one after the other on the same machine."""
    with tempfile.TemporaryDirectory(prefix="sqt-bench-tree-") as scratch:
        tree = baseline_tree(ref, Path(scratch))
        (runtime / "baseline").mkdir(mode=0o700)
        then = await measure(rounds, idle, runtime / "baseline", tree)
    (runtime / "now").mkdir(mode=0o700)
    now = await measure(rounds, idle, runtime / "now")
    return now | {"baseline": ref} | compare(now, then)


def within_bounds(figures: dict[str, Any]) -> bool:
    """Whether every page kept within the bound of the baseline's and the memory within
    its goal: what the exit status says."""
    return bool(figures["pages_within_bound"] and figures["web_memory_within_goal"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; the last line is JSON. Exit 1 when a page
    is over the bound or the memory over its goal."""
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument(
        "--rounds",
        type=int,
        default=20,
        help="requests per graph path, five times as many per page (default 20)",
    )
    parser.add_argument(
        "--idle", type=float, default=5.0, help="seconds idle before memory (default 5)"
    )
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    figures = in_private_dir(lambda runtime: both(args.rounds, args.idle, runtime, args.baseline))
    for name, row in figures["pages"].items():
        then = figures["baseline_pages"].get(name)
        was = (
            f"baseline p50 {then['p50_ms']} ms, x{figures['page_p50_vs_baseline'][name]}"
            if then
            else "new page"
        )
        print(
            f"{name:8} p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms"
            f"  first paint {row['first_paint_bytes'] / 1024:5.1f} KiB  ({was})"
        )
    memory = "ok" if figures["web_memory_within_goal"] else "OVER"
    shown = report(
        f"slowest page x{figures['slowest_page_vs_baseline']} the baseline's"
        f" (bound x{SLOWER_AT_MOST}: {'ok' if figures['pages_within_bound'] else 'EXCEEDED'});"
        f" graph drawn p50 {figures['graph_drawn']['p50_ms']} ms, cached"
        f" {figures['graph_cached']['p50_ms']} ms; /stats p50 {figures['stats']['p50_ms']} ms;"
        f" web idle RSS {figures['web_idle_rss_mb']} MiB (PSS {figures['web_idle_pss_mb']} MiB,"
        f" goal {WEB_MEMORY_GOAL_MB} MB: {memory})",
        figures,
    )
    return shown or (0 if within_bounds(figures) else 1)


if __name__ == "__main__":
    sys.exit(main())
