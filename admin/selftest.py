"""``test``: run the test suite (pytest), or the whole check (``./dev test``) with ``--full``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from admin.errors import Exit
from admin.fleet import REPO


def run_tests(pytest_args: Sequence[str], *, full: bool) -> Exit:
    """Run the tests from the checkout; the exit status says whether they passed."""
    if full:
        argv = [str(REPO / "dev"), "test", *pytest_args]
    else:
        argv = [sys.executable, "-m", "pytest", *pytest_args]
    try:
        done = subprocess.run(argv, cwd=REPO, check=False)
    except KeyboardInterrupt:
        return Exit.FAILED
    print("tests passed" if done.returncode == 0 else f"tests failed (status {done.returncode})")
    return Exit.OK if done.returncode == 0 else Exit.FAILED
