"""Discord REST calls through nextcord's HTTP client (and so its rate limiter), within
Discord's global limit as Discord counts it (``global_limit.py``).

Bus structs become Discord's JSON here; Discord's refusals become
``RequestRefused(discord_error(code), message)`` so the commanding service sees
exactly what Discord said.
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
from collections.abc import Callable, Sequence
from typing import Any

import nextcord
from nextcord.http import HTTPClient, Route

from bus.errors import ErrorCode, RequestRefused, discord_error
from bus.protocol import (
    ActionRow,
    Choice,
    Component,
    ComponentType,
    FileUpload,
    InteractionResponse,
)
from services.gateway.buckets import per_resource
from services.gateway.global_limit import GlobalLimit

EPHEMERAL = 1 << 6
type JSON = dict[str, Any]


def refused(error: nextcord.HTTPException) -> RequestRefused:
    """Discord's refusal, as a typed bus error."""
    code = error.code or error.status
    return RequestRefused(discord_error(code), error.text or f"HTTP {error.status}")


def component_json(item: Component) -> JSON:
    body: JSON = {"type": item.kind}
    if item.kind == ComponentType.BUTTON:
        body["style"] = item.style
        if item.label:
            body["label"] = item.label
        if item.url:
            body["url"] = item.url
        else:
            body["custom_id"] = item.custom_id
    else:  # string select
        body["custom_id"] = item.custom_id
        body["options"] = [
            {
                key: value
                for key, value in {
                    "label": o.label,
                    "value": o.value,
                    "description": o.description,
                    "emoji": {"name": o.emoji} if o.emoji else None,
                    "default": o.default,
                }.items()
                if value not in ("", None)
            }
            for o in item.options
        ]
        body["min_values"] = item.min_values
        body["max_values"] = item.max_values
        if item.placeholder:
            body["placeholder"] = item.placeholder
    if item.emoji and item.kind == ComponentType.BUTTON:
        body["emoji"] = _emoji_json(item.emoji)
    if item.disabled:
        body["disabled"] = True
    return body


def _emoji_json(text: str) -> JSON:
    name, _, emoji_id = text.partition(":")
    return {"name": name, "id": emoji_id} if emoji_id else {"name": name}


def rows_json(rows: Sequence[ActionRow]) -> list[JSON]:
    return [
        {
            "type": ComponentType.ACTION_ROW,
            "components": [component_json(c) for c in row.components],
        }
        for row in rows
    ]


def decode_files(files: Sequence[FileUpload]) -> list[tuple[str, bytes, str]]:
    """(filename, content, description) of each upload; a bad encoding is a bad request."""
    decoded = []
    for upload in files:
        try:
            data = base64.b64decode(upload.data, validate=True)
        except (binascii.Error, ValueError):
            raise RequestRefused(
                ErrorCode.BAD_REQUEST, f"{upload.filename!r}: data is not base64"
            ) from None
        decoded.append((upload.filename, data, upload.description))
    return decoded


def message_json(
    content: str, rows: Sequence[ActionRow], *, flags: int = 0, notify: Sequence[int] = ()
) -> JSON:
    body: JSON = {"content": content, "components": rows_json(rows)}
    if flags:
        body["flags"] = flags
    # Mentions in bot messages ping only the users named in ``notify``: the daily message
    # names many members and pings none; a reminder or a call pings exactly its members.
    # Discord's allowed_mentions: "users" lists at most 100 ids, and may not be combined
    # with "users" in "parse" (docs: Message resource, Allowed Mentions Object).
    body["allowed_mentions"] = {"parse": [], "users": [str(user) for user in notify[:100]]}
    return body


def choice_value(choice: Choice, kind: str) -> str | int | float:
    """A choice's value in its option's type (the bus carries it as text)."""
    try:
        if kind == "integer":
            return int(choice.value)
        if kind == "number":
            return float(choice.value)
    except ValueError:
        raise RequestRefused(
            ErrorCode.BAD_REQUEST, f"choice {choice.name!r}: {choice.value!r} is not a {kind}"
        ) from None
    return choice.value


class Rest:
    """The Discord calls the gateway makes."""

    def __init__(
        self, http: HTTPClient, application_id: int, closed: Callable[[], bool] = lambda: False
    ) -> None:
        self.http = http
        per_resource(http)  # a route's limit per channel (guild, webhook), as Discord's
        self.application_id = application_id
        self.limit = GlobalLimit()
        # nextcord opens a new HTTP session for any request made after the client closed,
        # and nobody would close that one: a stopping gateway refuses instead.
        self._closed = closed

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: JSON | list[JSON] | None = None,
        files: Sequence[FileUpload] = (),
        params: dict[str, Any] | None = None,
        nested: str = "",
        **parameters: str | int,
    ) -> Any:
        """One request; ``files`` turn the body into a multipart form.

        ``nested`` names the key of ``body`` that holds the message (an
        interaction callback's ``data``), where the attachments belong.
        """
        if self._closed():
            raise RequestRefused(ErrorCode.UNAVAILABLE, "the gateway is stopping")
        route = Route(method, path, **parameters)
        if not GlobalLimit.applies_to(path):
            return await self._request(route, body, files, params, nested)
        async with self.limit.slot():
            return await self._request(route, body, files, params, nested)

    async def _request(
        self,
        route: Route,
        body: JSON | list[JSON] | None,
        files: Sequence[FileUpload],
        params: dict[str, Any] | None,
        nested: str,
    ) -> Any:
        try:
            if files:
                assert isinstance(body, dict)
                form, uploads = _multipart(body, decode_files(files), nested=nested)
                return await self.http.request(route, form=form, files=uploads, params=params)
            if body is None:
                return await self.http.request(route, params=params)
            return await self.http.request(route, json=body, params=params)
        except nextcord.HTTPException as error:
            raise refused(error) from error

    # --------------------------------------------------------------- messages

    async def send(
        self,
        channel_id: int,
        content: str,
        rows: Sequence[ActionRow],
        files: Sequence[FileUpload],
        *,
        notify: Sequence[int] = (),
        nonce: str = "",
    ) -> JSON:
        body = message_json(content, rows, notify=notify)
        if nonce:
            # Discord: with enforce_nonce, a nonce seen "in the past few minutes" from the
            # same author returns that message instead of creating another (Create Message).
            body["nonce"] = nonce
            body["enforce_nonce"] = True
        result: JSON = await self.call(
            "POST",
            "/channels/{channel_id}/messages",
            body=body,
            files=files,
            channel_id=channel_id,
        )
        return result

    async def edit(
        self,
        channel_id: int,
        message_id: int,
        content: str,
        rows: Sequence[ActionRow],
        files: Sequence[FileUpload],
    ) -> JSON:
        body = message_json(content, rows)
        if files:
            body["attachments"] = []  # replace the old attachments with the new files
        result: JSON = await self.call(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            body=body,
            files=files,
            channel_id=channel_id,
            message_id=message_id,
        )
        return result

    # ---------------------------------------------------------- interactions

    async def callback(
        self,
        interaction_id: int,
        token: str,
        kind: int,
        data: JSON | None = None,
        files: Sequence[FileUpload] = (),
    ) -> None:
        body: JSON = {"type": kind}
        if data is not None:
            body["data"] = data
        await self.call(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            body=body,
            files=files,
            nested="data",
            interaction_id=interaction_id,
            interaction_token=token,
        )

    async def edit_original(self, token: str, response: InteractionResponse) -> JSON:
        body = message_json(response.content, response.components)
        if response.files:
            body["attachments"] = []
        result: JSON = await self.call(
            "PATCH",
            "/webhooks/{application_id}/{interaction_token}/messages/@original",
            body=body,
            files=response.files,
            application_id=self.application_id,
            interaction_token=token,
        )
        return result

    async def followup(self, token: str, response: InteractionResponse) -> JSON:
        body = message_json(
            response.content, response.components, flags=EPHEMERAL if response.ephemeral else 0
        )
        result: JSON = await self.call(
            "POST",
            "/webhooks/{application_id}/{interaction_token}",
            body=body,
            files=response.files,
            params={"wait": "true"},  # without it Discord answers 204 and no message id
            application_id=self.application_id,
            interaction_token=token,
        )
        return result


def _multipart(
    body: JSON, files: list[tuple[str, bytes, str]], *, nested: str = ""
) -> tuple[list[JSON], list[nextcord.File]]:
    message: JSON = body[nested] if nested else body
    attachments = list(message.get("attachments", []))
    form: list[JSON] = []
    uploads: list[nextcord.File] = []
    for index, (filename, data, description) in enumerate(files):
        attachment: JSON = {"id": str(index), "filename": filename}
        if description:
            attachment["description"] = description
        attachments.append(attachment)
        upload = nextcord.File(io.BytesIO(data), filename)
        uploads.append(upload)
        form.append(
            {
                "name": f"files[{index}]",
                "value": upload.fp,
                "filename": filename,
                # Discord shows an image inline only when its part says it is one.
                "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
            }
        )
    message = {**message, "attachments": attachments}
    payload = {**body, nested: message} if nested else message
    form.append({"name": "payload_json", "value": nextcord.utils.to_json(payload)})
    return form, uploads
