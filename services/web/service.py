"""The web program: the dashboard served over HTTP, its data asked over the bus.

It opens no database and keeps nothing that matters in memory: sessions are cookies whose
record telemetry keeps, the graphs' cache is a cache. So supervisord may restart it at any
moment and nobody notices but a request that was in flight. Its connections are bounded
(``services.web.connections``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from bus.clock import Clock
from services.runtime.service import RequestsNotServed, Runtime
from services.web.app import build_app, session_key
from services.web.config import WebConfig
from services.web.connections import Gate, GatedSite
from services.web.context import Web
from services.web.graphs import GraphCache
from services.web.pictures import Pictures

log = logging.getLogger(__name__)

URL_FILE = "web.url"
SHUTDOWN_TIMEOUT = 3.0


class WebService(RequestsNotServed):
    """squadtime's dashboard."""

    name = "web"
    description = "squadtime's dashboard: moderators' and members' pages, with Discord login."

    def __init__(self, config: WebConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.exit_code = 0
        self._clock = clock  # calendar time; the fleet's (from the settings) unless given
        self.site: Web | None = None
        """The dashboard's shared parts, once it listens (tests and benchmarks read it)."""
        self.gate: Gate | None = None
        """Its open connections, once it listens."""

    async def setup(self, runtime: Runtime) -> None:
        """Nothing to subscribe to: the dashboard only asks."""
        if self.config.client_secret:
            runtime.redactor.add(self.config.client_secret)

    async def run(self, runtime: Runtime) -> None:
        """Listen until stopped; write the address bound to ``web.url`` for the run command."""
        settings = runtime.settings
        key_file = self.config.session_key_file or settings.data_dir / "web-session.key"
        async with aiohttp.ClientSession() as http:
            site = Web(
                bus=runtime.bus,
                config=self.config,
                http=http,
                graphs=GraphCache(runtime.bus),
                clock=self._clock or settings.calendar,
                pictures=Pictures(self.config.cdn_base),
            )
            self.site = site
            limits = self.config.limits
            self.gate = gate = Gate(limits)
            app = build_app(site, session_key(key_file), gate)
            runner = web.AppRunner(
                app,
                access_log=None,
                handle_signals=False,
                shutdown_timeout=SHUTDOWN_TIMEOUT,
                keepalive_timeout=limits.idle_seconds,
                handler_cancellation=True,
            )
            await runner.setup()
            try:
                await GatedSite(runner, self.config.host, self.config.port, gate).start()
                log.info(
                    "at most %d connections at once, %d per address, idle for %.0f s",
                    gate.budget,
                    limits.per_address,
                    limits.idle_seconds,
                )
                host, port = runner.addresses[0][:2]
                site.bound_url = f"http://{host}:{port}"
                _write_url(settings.runtime_dir / URL_FILE, site.base_url)
                log.info("dashboard at %s (listening on %s)", site.base_url, site.bound_url)
                await runtime.stopping.wait()
            finally:
                await runner.cleanup()


def _write_url(path: Path, url: str) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(url + "\n", encoding="utf-8")
    partial.replace(path)
