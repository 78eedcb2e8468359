"""The emulator's OAuth2: the authorize page, the code exchange and what a bearer token reads,
checked against Discord's OpenAPI description where it describes them."""

import base64
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from emulator import Emulator
from emulator.rules.permissions import Permission
from tests.emulator.support import STEP, load_contract, small_community

REDIRECT = "http://127.0.0.1:1/callback"
SCOPE = "identify guilds"


async def _code(http: aiohttp.ClientSession, emu: Emulator, user_id: int, state: str) -> str:
    """Open the authorize page, pick ``user_id``, read the code off the redirect."""
    query = {
        "response_type": "code",
        "client_id": str(emu.oauth.client_id),
        "scope": SCOPE,
        "redirect_uri": REDIRECT,
        "state": state,
    }
    async with http.get(f"{emu.url}/oauth2/authorize?{urlencode(query)}") as page:
        assert page.status == 200
        text = await page.text()
    assert f"value='{user_id}'" in text
    form = {k: v for k, v in query.items()} | {"user_id": str(user_id)}
    async with http.post(f"{emu.url}/oauth2/authorize", data=form, allow_redirects=False) as back:
        assert back.status == 302
        location = urlsplit(back.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    got = parse_qs(location.query)
    assert got["state"] == [state]
    return got["code"][0]


async def _exchange(
    http: aiohttp.ClientSession, emu: Emulator, form: dict[str, str], secret: str | None = None
) -> tuple[int, dict[str, object]]:
    secret = emu.oauth.client_secret if secret is None else secret
    basic = base64.b64encode(f"{emu.oauth.client_id}:{secret}".encode()).decode()
    async with http.post(
        f"{emu.api_url}/oauth2/token", data=form, headers={"Authorization": f"Basic {basic}"}
    ) as answer:
        body: dict[str, object] = await answer.json()
        return answer.status, body


async def test_login_as_a_member_reads_who_and_which_guilds() -> None:
    """A code for the admin becomes a bearer token that reads the admin and their guild."""
    contract = load_contract()

    async with Emulator() as emu, aiohttp.ClientSession(timeout=_timeout()) as http:
        town = small_community(emu)
        emu.oauth.redirect_uris.add(REDIRECT)
        code = await _code(http, emu, town.admin.user_id, "s1")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        status, token = await _exchange(http, emu, form)
        assert status == 200
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 604800
        assert set(str(token["scope"]).split()) == {"identify", "guilds"}
        assert {"access_token", "refresh_token"} <= set(token)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.get(f"{emu.api_url}/users/@me", headers=bearer) as me:
            assert me.status == 200
            assert (await me.json())["id"] == str(town.admin.user_id)
        async with http.get(f"{emu.api_url}/users/@me/guilds", headers=bearer) as guilds:
            listed = await guilds.json()
        assert [g["id"] for g in listed] == [str(town.guild.id)]
        assert int(listed[0]["permissions"]) & Permission.MANAGE_GUILD
        for record in emu.requests.records:
            if record.route in ("/users/@me", "/users/@me/guilds"):
                assert not contract.check(record), contract.check(record)
        secrets_seen = [r.body for r in emu.requests.records if r.route == "/oauth2/token"]
        assert emu.oauth.client_secret not in str(secrets_seen)


async def test_a_plain_member_has_no_manage_server() -> None:
    """Bob's guild list carries his permissions, without Manage Server."""
    async with Emulator() as emu, aiohttp.ClientSession(timeout=_timeout()) as http:
        town = small_community(emu)
        emu.oauth.redirect_uris.add(REDIRECT)
        code = await _code(http, emu, town.bob.user_id, "s2")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        _, token = await _exchange(http, emu, form)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.get(f"{emu.api_url}/users/@me/guilds", headers=bearer) as guilds:
            listed = await guilds.json()
        assert not int(listed[0]["permissions"]) & Permission.MANAGE_GUILD
        assert listed[0]["owner"] is False


async def test_bad_codes_secrets_and_redirects_are_refused() -> None:
    """A reused or made-up code, a wrong secret or redirect: refused as Discord refuses them."""
    async with Emulator() as emu, aiohttp.ClientSession(timeout=_timeout()) as http:
        town = small_community(emu)
        emu.oauth.redirect_uris.add(REDIRECT)
        code = await _code(http, emu, town.alice.user_id, "s3")
        good = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        assert (await _exchange(http, emu, good, secret="wrong"))[0] == 401
        elsewhere = good | {"redirect_uri": "http://127.0.0.1:2/callback"}
        status, body = await _exchange(http, emu, elsewhere)
        assert (status, body["error"]) == (400, "invalid_grant")
        # The code was spent by that try, as Discord's codes are single-use.
        status, body = await _exchange(http, emu, good)
        assert (status, body) == (
            400,
            {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'},
        )
        made_up = good | {"code": "nothing"}
        assert (await _exchange(http, emu, made_up))[0] == 400
        async with http.get(
            f"{emu.api_url}/users/@me", headers={"Authorization": "Bearer nothing"}
        ) as me:
            assert me.status == 401


async def test_authorize_refuses_an_unregistered_redirect() -> None:
    """The authorize page names the problem instead of sending the member anywhere."""
    async with Emulator() as emu, aiohttp.ClientSession(timeout=_timeout()) as http:
        small_community(emu)
        query = {
            "response_type": "code",
            "client_id": str(emu.oauth.client_id),
            "scope": SCOPE,
            "redirect_uri": "https://evil.example/",
        }
        async with http.get(f"{emu.url}/oauth2/authorize?{urlencode(query)}") as page:
            assert page.status == 400
            assert re.search("redirect_uri", await page.text())


def _timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=STEP)
