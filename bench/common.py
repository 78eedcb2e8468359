"""What the benchmarks share: memory readings, percentiles, a private bus directory, the report."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator import Emulator
    from emulator.rules.state import Channel, Member

REPO = Path(__file__).resolve().parent.parent

type Figures = dict[str, Any]


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, in bytes, from /proc."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def percentile(samples: list[float], share: float) -> float:
    """The sample below which ``share`` of them lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def in_private_dir(measure: Callable[[Path], Coroutine[Any, Any, Figures]]) -> Figures:
    """Run ``measure`` with a fresh 0700 directory for the bus's sockets, as in production."""
    with tempfile.TemporaryDirectory(prefix="sqt-bench-", dir="/tmp") as raw:
        runtime = Path(raw)
        runtime.chmod(0o700)
        return asyncio.run(measure(runtime))


def service_env(runtime: Path, api_url: str, token: str, **extra: str) -> dict[str, str]:
    """The environment of a squadtime process the benchmark starts: its bus and data under
    ``runtime``, logged in to the emulator at ``api_url``, quiet below warnings."""
    return {
        **os.environ,
        "SQUADTIME_RUNTIME_DIR": str(runtime),
        "SQUADTIME_DATA_DIR": str(runtime / "data"),
        "SQUADTIME_DISCORD_API": api_url,
        "DISCORD_TOKEN": token,
        "SQUADTIME_LOG_LEVEL": "WARNING",
        **extra,
    }


def report(summary: str, figures: Figures) -> int:
    """Print a line for people, then the figures as the JSON line that ends every benchmark."""
    print(summary)
    print(json.dumps(figures))
    return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size of a process, in bytes: its private pages plus its share of the
    pages it shares with others, from ``/proc/<pid>/smaps_rollup``. Summed over processes, PSS
    counts every shared library once, which is what the machine really spends."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    raise ValueError(f"no Pss line in /proc/{pid}/smaps_rollup")


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited while we looked
            continue
        # The command name is in parentheses and may hold spaces: the parent's pid is the
        # second field after the last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found += below
        pending += below
    return found


def baseline_tree(ref: str, into: Path) -> Path:
    """The baseline commit's files, extracted from this repository (no checkout touched)."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(REPO), "archive", ref], stdout=out, check=True)
    tree = into / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


class BenchFailed(Exception):
    """The fleet or a helper did not do its part in time, or set-up overran its lead."""


async def slash_answer(
    emu: Emulator, member: Member, text: Channel, command: str, *, within: float, **options: Any
) -> str:
    """A slash command's answer as its member reads it, asked again while the fleet is still
    starting or busy ("squadtime is ...", "⚠️ ..."), for at most ``within`` seconds."""
    content = outcome_error = ""
    try:
        async with asyncio.timeout(within):
            while True:
                outcome = await emu.driver.slash(member, text, command, options)
                shown = outcome.message
                if shown is not None and shown.loading:  # deferred: the answer follows
                    shown = await emu.driver.settle(outcome, timeout=within)
                content = shown.content if shown is not None else ""
                outcome_error = outcome.error or ""
                if content and not content.startswith(("⚠️", "squadtime is")):
                    return content
                await asyncio.sleep(0.3)  # a pause before asking again, not a synchronisation
    except TimeoutError:
        last = content or outcome_error or "nothing"
        raise BenchFailed(
            f"/{command} got no answer within {within:.0f} s (the last: {last!r})"
        ) from None
