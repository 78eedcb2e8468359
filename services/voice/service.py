"""The voice process: joins the bus and heartbeats; its behaviour grows here."""

from __future__ import annotations

from services.runtime.service import RequestsNotServed, Runtime


class Voice(RequestsNotServed):
    """squadtime's voice: says in voice who is expected this hour."""

    name = "voice"
    description = "squadtime's voice: says in voice who is expected this hour."

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to subscribe to yet."""

    async def run(self, runtime: Runtime) -> None:
        """Nothing to do but heartbeat yet."""
