"""``restart``: stop and start one program (or the whole fleet) through supervisord."""

from __future__ import annotations

from collections.abc import Mapping

from admin.errors import Exit
from admin.fleet import STOP_ALL_TIMEOUT, Supervisor, check_program


def restart(env: Mapping[str, str], program: str, *, reload: bool = False) -> Exit:
    """Restart ``program`` (``all`` for every program) and say what runs now.

    ``reload`` has supervisord re-read its config first (after an update).
    """
    # Stopping and starting waits on every program in turn: far past a status call's 10 s.
    supervisor = Supervisor.from_env(env, timeout=STOP_ALL_TIMEOUT)
    if reload:
        supervisor.reload()
    target = None if program == "all" else check_program(program)
    supervisor.restart(target)
    for state in supervisor.programs():
        if target is None or state.name == target:
            print(f"{state.name}: {state.state} (pid {state.pid or '-'})")
    return Exit.OK
