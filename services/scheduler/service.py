"""The scheduler process: joins the bus and heartbeats; its behaviour grows here."""

from __future__ import annotations

from services.runtime.service import RequestsNotServed, Runtime


class Scheduler(RequestsNotServed):
    """squadtime's scheduler: the daily message, marks, schedules and configuration."""

    name = "scheduler"
    description = "squadtime's scheduler: the daily message, marks, schedules and configuration."

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to subscribe to yet."""

    async def run(self, runtime: Runtime) -> None:
        """Nothing to do but heartbeat yet."""
