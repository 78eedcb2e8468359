"""``python -m admin``: the ``squadtime-admin`` command line (see ``admin/cli.py``)."""

from __future__ import annotations

import sys

from admin.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
