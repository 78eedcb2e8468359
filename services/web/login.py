"""Discord login: the OAuth2 authorization-code flow with scopes ``identify guilds``.

The browser is sent to Discord's authorize page with a ``state`` kept in the session; the
callback checks it (Topics > OAuth2 > State and Security), exchanges the code for a bearer
token (the client's id and secret in HTTP Basic, the form urlencoded: Authorization Code
Grant), then reads who the member is (``GET /users/@me``) and their guilds
(``GET /users/@me/guilds``). The token is used once and forgotten: what a member may see
is checked on every request against the bot's own fresh guild facts, not the login's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from services.web.config import CALLBACK_PATH, WebConfig

log = logging.getLogger(__name__)

SCOPES = "identify guilds"
TIMEOUT = aiohttp.ClientTimeout(total=10)


class LoginFailed(Exception):
    """Discord refused the code or could not be reached; the message is for the member."""


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """Who logged in and the guilds Discord says they are in."""

    user_id: int
    name: str
    guild_ids: list[int]


def redirect_uri(config: WebConfig, bound_url: str) -> str:
    return (config.public_url or bound_url) + CALLBACK_PATH


def authorize_url(config: WebConfig, bound_url: str, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": config.client_id,
        "scope": SCOPES,
        "state": state,
        "redirect_uri": redirect_uri(config, bound_url),
    }
    return f"{config.authorize_url}?{urlencode(query)}"


async def complete(
    http: aiohttp.ClientSession, config: WebConfig, bound_url: str, code: str
) -> LoggedIn:
    """Exchange ``code`` and read the member and their guilds."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(config, bound_url),
    }
    auth = {"Authorization": aiohttp.encode_basic_auth(config.client_id, config.client_secret)}
    try:
        async with http.post(
            f"{config.api_base}/oauth2/token", data=form, headers=auth, timeout=TIMEOUT
        ) as answer:
            body = await answer.json(content_type=None)
            if answer.status != 200 or not isinstance(body, dict):
                log.info("Discord refused a login code: %s", answer.status)
                raise LoginFailed("Discord did not accept the login; please try again.")
            bearer = {"Authorization": f"Bearer {body['access_token']}"}
        me = await _get(http, f"{config.api_base}/users/@me", bearer)
        guilds = await _get(http, f"{config.api_base}/users/@me/guilds", bearer)
    except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as error:
        log.warning("the login could not be completed: %s", type(error).__name__)
        raise LoginFailed("Discord could not be reached to log you in; try again.") from None
    if not isinstance(me, dict) or not isinstance(guilds, list):
        raise LoginFailed("Discord's answer was not understood; try again.")
    name = str(me.get("global_name") or me.get("username") or "member")
    ids = [int(g["id"]) for g in guilds if isinstance(g, dict) and str(g.get("id")).isdigit()]
    return LoggedIn(user_id=int(me["id"]), name=name, guild_ids=ids)


async def _get(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> object:
    async with http.get(url, headers=headers, timeout=TIMEOUT) as answer:
        if answer.status != 200:
            raise LoginFailed("Discord refused to say who you are; try again.")
        found: object = await answer.json(content_type=None)
        return found
