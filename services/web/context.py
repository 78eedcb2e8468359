"""What every handler reaches: the bus, the settings, the templates, the graph cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jinja2
from aiohttp import web

from bus.client import BusClient
from bus.clock import Clock
from bus.errors import BusError, RemoteError, caused_by_request
from bus.protocol import GetGraphKinds, GraphInfo, GraphKindsReply, ReplyMessage, Request
from services.web import figures
from services.web.access import Access, Visitor
from services.web.config import WebConfig
from services.web.graphs import GraphCache
from services.web.pictures import DISCORD_CDN, Pictures, local

ASK_TIMEOUT = 5.0


def templates() -> jinja2.Environment:
    """The pages' templates, with the filters that give every page one way of writing a
    figure (``figures``) and of showing a picture (``pictures.local``)."""
    pages = jinja2.Environment(
        loader=jinja2.PackageLoader("services.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    pages.filters["picture"] = local
    pages.filters["hours"] = figures.hours
    pages.filters["initials"] = figures.initials
    pages.filters["week"] = figures.week
    return pages


@dataclass(eq=False)
class Web:
    """The dashboard's shared parts; ``bound_url`` is known once the site listens."""

    bus: BusClient
    config: WebConfig
    http: aiohttp.ClientSession
    graphs: GraphCache
    clock: Clock
    """Calendar time (the fleet's clock): what "today" is for the community."""
    pages: jinja2.Environment = field(default_factory=templates)
    pictures: Pictures = field(default_factory=lambda: Pictures(DISCORD_CDN))
    bound_url: str = ""
    board_poll: float = 0.5
    """How often a live board asks the scheduler for changes (real seconds)."""
    _graph_kinds: list[GraphInfo] | None = None

    @property
    def base_url(self) -> str:
        return self.config.public_url or self.bound_url

    def page(
        self,
        name: str,
        title: str,
        *,
        access: Access | None = None,
        visitor: Visitor | None = None,
        status: int = 200,
        **values: Any,
    ) -> web.Response:
        html = self.pages.get_template(name).render(
            title=title,
            visitor=access.visitor if access else visitor,
            guild_id=access.guild_id if access else None,
            guild_name=access.guild_name if access else "",
            guild_icon=access.guild_icon_url if access else "",
            avatar=access.member.avatar_url if access else "",
            moderator=access.moderator if access else False,
            current=name.removesuffix(".html"),
            **values,
        )
        return web.Response(text=html, status=status, content_type="text/html")

    async def graph_kinds(self) -> list[GraphInfo]:
        """The graphs telemetry draws, asked once: the list changes only with its code."""
        if self._graph_kinds is None:
            reply = await self.ask("telemetry", GetGraphKinds(), GraphKindsReply)
            self._graph_kinds = reply.graphs
        return self._graph_kinds

    async def ask[R: ReplyMessage](
        self, service: str, request: Request, expect: type[R], timeout: float = ASK_TIMEOUT
    ) -> R:
        """A request to a service; its refusal of a bad request is a 400 with its reason,
        anything else (a service down) a 503."""
        try:
            return await self.bus.request(service, request, expect=expect, timeout=timeout)
        except RemoteError as error:
            if caused_by_request(error.code):
                raise web.HTTPBadRequest(text=error.message) from None
            raise web.HTTPServiceUnavailable(text=f"{service}: {error.message}") from None
        except BusError as error:
            raise web.HTTPServiceUnavailable(text=f"{service} did not answer: {error}") from None


WEB = web.AppKey("web", Web)


def web_of(request: web.Request) -> Web:
    return request.app[WEB]
