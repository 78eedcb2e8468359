"""The gateway process: joins the bus and heartbeats; its behaviour grows here."""

from __future__ import annotations

from services.runtime.service import RequestsNotServed, Runtime


class Gateway(RequestsNotServed):
    """squadtime's gateway: the bot's one session with Discord."""

    name = "gateway"
    description = "squadtime's gateway: the bot's one session with Discord."

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to subscribe to yet."""

    async def run(self, runtime: Runtime) -> None:
        """Nothing to do but heartbeat yet."""
