"""Two programs' pacers share the IDENTIFY buckets through the runtime directory's ledger."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.runtime.identify import IDENTIFY_LEDGER, IdentifyPacer, claim


class FakeTime:
    """One monotonic clock for every pacer (as CLOCK_MONOTONIC is for every process)."""

    def __init__(self) -> None:
        self.t = 100.0
        self.waited: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


def _pacer(time: FakeTime, ledger: Path | None, max_concurrency: int = 1) -> IdentifyPacer:
    return IdentifyPacer(
        window=5.0,
        max_concurrency=max_concurrency,
        monotonic=time,
        sleep=time.sleep,
        ledger=ledger,
    )


async def test_the_second_program_waits_out_the_first_ones_bucket(short_tmp: Path) -> None:
    """The gateway's shard 0 went 2 s ago: the voice service's shard 0 waits 3 s, its shard 1
    (another bucket with max_concurrency 2) goes at once."""
    time = FakeTime()
    ledger = short_tmp / IDENTIFY_LEDGER
    gateway, voice = _pacer(time, ledger, 2), _pacer(time, ledger, 2)
    await gateway.wait(0)
    time.t += 2.0
    await voice.wait(1)
    assert time.waited == []
    await voice.wait(0)
    assert time.waited == [3.0]
    assert oct(ledger.stat().st_mode & 0o777) == "0o600"


async def test_a_ledger_in_a_missing_folder_makes_it_and_an_unusable_one_paces_alone(
    short_tmp: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A runtime folder not there yet is made (0700); a ledger that cannot be opened never
    stops a shard from connecting: the program paces its own IDENTIFYs and says so once."""
    time = FakeTime()
    ledger = short_tmp / "run" / IDENTIFY_LEDGER
    await _pacer(time, ledger).wait(0)
    assert oct(ledger.parent.stat().st_mode & 0o777) == "0o700"
    blocked = short_tmp / "a file" / IDENTIFY_LEDGER
    blocked.parent.write_text("not a folder")
    pacer = _pacer(time, blocked)
    await pacer.wait(0)
    await pacer.wait(0)
    assert time.waited == [5.0]  # still paced, by itself
    said = [r.getMessage() for r in caplog.records if "not shared" in r.getMessage()]
    assert len(said) == 1, said


async def test_without_a_ledger_each_pacer_knows_only_its_own() -> None:
    """A pacer without a ledger (a test's) paces its own IDENTIFYs only."""
    time = FakeTime()
    first, second = _pacer(time, None), _pacer(time, None)
    await first.wait(0)
    await second.wait(0)
    assert time.waited == []
    await first.wait(0)
    assert time.waited == [5.0]


async def test_a_damaged_ledger_or_a_stamp_from_another_boot_holds_nobody(
    short_tmp: Path,
) -> None:
    """Garbage in the ledger, or a stamp ahead of the clock (before a reboot), is ignored."""
    time = FakeTime()
    ledger = short_tmp / IDENTIFY_LEDGER
    ledger.write_text("{not json")
    await _pacer(time, ledger).wait(0)
    ledger.write_text('{"0": 5000.0}')
    await _pacer(time, ledger).wait(0)
    assert time.waited == []


def test_a_claim_inside_the_window_says_how_long_is_left() -> None:
    """The bucket's window is counted from its last IDENTIFY; past it, the claim is taken."""
    stamps: dict[str, float] = {"0": 10.0}
    assert claim(stamps, "0", 12.0, 5.0) == 3.0
    assert stamps == {"0": 10.0}
    assert claim(stamps, "0", 15.0, 5.0) == 0.0
    assert stamps == {"0": 15.0}
