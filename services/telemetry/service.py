"""The telemetry process: joins the bus and heartbeats; its behaviour grows here."""

from __future__ import annotations

from services.runtime.service import RequestsNotServed, Runtime


class Telemetry(RequestsNotServed):
    """squadtime's telemetry: the system of record, voice sessions and graphs."""

    name = "telemetry"
    description = "squadtime's telemetry: the system of record, voice sessions and graphs."

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to subscribe to yet."""

    async def run(self, runtime: Runtime) -> None:
        """Nothing to do but heartbeat yet."""
