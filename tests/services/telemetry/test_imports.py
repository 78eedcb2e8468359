"""The telemetry process stays light: drawing libraries load only in the graph worker."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "networkx", "community", "numpy")


def test_the_service_does_not_import_the_drawing_libraries() -> None:
    """Importing the telemetry service (as its process does) leaves matplotlib and networkx out."""
    probe = (
        "import sys, services.telemetry.service, services.telemetry.__main__;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
