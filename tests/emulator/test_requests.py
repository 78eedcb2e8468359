"""Query strings, path ids, methods and bodies the way Discord reads them: a bad one is a 4xx
with Discord's code, never a 5xx."""

import io

import aiohttp
import pytest

from emulator import Emulator
from emulator.engine.interactions import InteractionType, PendingInteraction
from tests.emulator.support import Community, api, small_community

MIB = 1024 * 1024


async def said(emu: Emulator, town: Community, count: int) -> list[int]:
    """Alice posts ``count`` messages (members are not rate limited like the bot)."""
    return [(await emu.driver.say(town.alice, town.text, str(n))).id for n in range(count)]


async def test_message_list_honours_around_before_after_and_limit() -> None:
    """``around`` centres on a message; each answer is newest first and at most ``limit`` long."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        ids = await said(emu, town, 7)
        base = f"/channels/{town.text.id}/messages"

        async def listed(query: str) -> list[int]:
            answer = await rest.call("GET", f"{base}?{query}")
            assert answer.status == 200, answer.body
            return [int(m["id"]) for m in answer.body]

        assert await listed(f"around={ids[3]}&limit=3") == [ids[4], ids[3], ids[2]]
        assert await listed(f"around={ids[3]}") == ids[::-1]
        assert await listed(f"before={ids[3]}&limit=2") == [ids[2], ids[1]]
        assert await listed(f"after={ids[3]}&limit=2") == [ids[5], ids[4]]
        assert await listed("limit=1") == [ids[6]]
        assert await listed("limit=100") == ids[::-1]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("limit=0", "limit", "NUMBER_TYPE_MIN"),
        ("limit=101", "limit", "NUMBER_TYPE_MAX"),
        ("limit=-5", "limit", "NUMBER_TYPE_MIN"),
        ("limit=abc", "limit", "NUMBER_TYPE_COERCE"),
        ("limit=", "limit", "NUMBER_TYPE_COERCE"),
        ("limit=%C2%B3", "limit", "NUMBER_TYPE_COERCE"),
        ("before=abc", "before", "NUMBER_TYPE_COERCE"),
        ("after=%C2%B3", "after", "NUMBER_TYPE_COERCE"),
        ("around=1e5", "around", "NUMBER_TYPE_COERCE"),
        ("before=" + "9" * 30, "before", "NUMBER_TYPE_COERCE"),
    ],
)
async def test_bad_message_list_parameters_are_invalid_form_body(
    query: str, field: str, code: str
) -> None:
    """Not clamped, not a 500: 400 50035 naming the parameter."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answer = await rest.call("GET", f"/channels/{town.text.id}/messages?{query}")
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {field: [code]}


async def test_bad_reaction_list_parameters_are_invalid_form_body() -> None:
    """Get Reactions reads ``limit`` (1-100) and ``after`` the same way."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        (message_id,) = await said(emu, town, 1)
        base = f"/channels/{town.text.id}/messages/{message_id}/reactions/👍"
        for query, field in (("limit=abc", "limit"), ("limit=0", "limit"), ("after=x", "after")):
            answer = await rest.call("GET", f"{base}?{query}")
            assert (answer.status, answer.code, list(answer.field_codes())) == (400, 50035, [field])
        assert (await rest.call("GET", f"{base}?limit=100")).status == 200


@pytest.mark.parametrize("bad", ["abc", "³", "١٢٣", "-1", "1.5"])
async def test_ids_that_are_not_snowflakes_are_refused_not_crashed(bad: str) -> None:
    """``/channels/³/messages`` is 400 50035 ``NUMBER_TYPE_COERCE`` on the named id."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        answers = {
            "channel_id": await rest.call("GET", f"/channels/{bad}/messages"),
            "message_id": await rest.call("GET", f"/channels/{town.text.id}/messages/{bad}"),
            "user_id": await rest.call("GET", f"/guilds/{town.guild.id}/members/{bad}"),
        }
        for name, answer in answers.items():
            assert (answer.status, answer.code) == (400, 50035), answer.body
            assert answer.field_codes() == {name: ["NUMBER_TYPE_COERCE"]}
        webhook = await rest.call("GET", f"/webhooks/{bad}/token/messages/@original")
        assert webhook.status < 500


async def test_a_wrong_method_is_405_and_an_unknown_path_404() -> None:
    """A route that exists with other methods answers 405 Method Not Allowed, as Discord does."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        wrong = await rest.call("DELETE", f"/channels/{town.text.id}/messages")
        assert (wrong.status, wrong.body) == (
            405,
            {"code": 0, "message": "405: Method Not Allowed"},
        )
        assert (await rest.call("POST", "/gateway")).status == 405
        unknown = await rest.call("GET", "/no/such/route")
        assert (unknown.status, unknown.code) == (404, 0)


async def test_an_upload_over_10_mib_is_request_entity_too_large() -> None:
    """10 MiB is Discord's default per-file limit: 10 MiB passes, one byte more is 413 40005."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)

        def form(size: int) -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("payload_json", '{"content": "graph"}', content_type="application/json")
            data.add_field("files[0]", io.BytesIO(b"\0" * size), filename="graph.png")
            return data

        path = f"/channels/{town.text.id}/messages"
        too_big = await rest.call("POST", path, data=form(10 * MIB + 1))
        assert (too_big.status, too_big.code) == (413, 40005)
        assert emu.driver.messages(town.text, town.alice) == []
        fits = await rest.call("POST", path, data=form(10 * MIB))
        assert fits.status == 200, fits.body
        assert fits.body["attachments"][0]["size"] == 10 * MIB


BOUNDARY = "multipart/form-data; boundary=xyz"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary"),
        (BOUNDARY, b"no parts at all"),
        (BOUNDARY, b"--xyz\r\nContent-Disposition\r\n\r\ndata\r\n--xyz--\r\n"),
        (BOUNDARY, b'--xyz\r\nContent-Disposition: form-data; name="a\r\n\r\nx\r\n--xyz--\r\n'),
        (BOUNDARY, b'--xyz\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n{"c'),
        (
            BOUNDARY,
            b'--xyz\r\nContent-Disposition: form-data; name="files[x]"; filename="a"\r\n\r\n'
            b"data\r\n--xyz--\r\n",
        ),
        (
            BOUNDARY,
            b"--xyz\r\nContent-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\n\r\nx\r\n"
            b"--abc--\r\n--xyz--\r\n",
        ),
    ],
)
async def test_malformed_multipart_bodies_are_400(content_type: str, body: bytes) -> None:
    """A body that cannot be read is Discord's 50035, after the token is checked (401 first)."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        path = f"/channels/{town.text.id}/messages"
        headers = {"Content-Type": content_type}
        answer = await rest.call("POST", path, data=body, headers=headers)
        assert (answer.status, answer.code) == (400, 50035), answer.body
        stranger = await rest.call("POST", path, data=body, headers=headers, token="wrong")
        assert stranger.status == 401
        assert emu.driver.messages(town.text, town.alice) == []


async def test_a_bad_attachment_id_is_refused_and_the_cdn_says_404() -> None:
    """``attachments[].id`` must be a snowflake or an upload's index; the CDN never crashes."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        body = {"content": "x", "attachments": [{"id": "abc"}]}
        answer = await rest.post_message(town.text.id, body)
        assert (answer.status, answer.code) == (400, 50035)
        assert answer.field_codes() == {"attachments.0.id": ["NUMBER_TYPE_COERCE"]}
        async with rest.session.get(f"{emu.url}/attachments/³/1/a.png") as cdn:
            assert cdn.status == 404


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def opened(emu: Emulator, town: Community) -> PendingInteraction:
    """Alice runs /plan in the text channel: an interaction waiting for its callback."""
    return emu.interactions.open(
        InteractionType.APPLICATION_COMMAND,
        guild_id=town.guild.id,
        channel_id=town.text.id,
        user_id=town.alice.user_id,
        data={"id": "1", "name": "plan", "type": 1},
        name="plan",
    )


async def test_urlencoded_bodies_are_forms_on_message_webhook_and_callback_routes() -> None:
    """Discord takes application/x-www-form-urlencoded (Reference > Content Type; the OpenAPI
    description lists it for these routes): fields are read as text, never as invalid JSON."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        posted = await rest.call(
            "POST",
            f"/channels/{town.text.id}/messages",
            data=b"content=who+plays%3F&tts=false&flags=4",
            headers=FORM,
        )
        assert posted.status == 200, posted.body
        assert (posted.body["content"], posted.body["tts"], posted.body["flags"]) == (
            "who plays?",
            False,
            4,
        )
        pending = opened(emu, town)
        called = await rest.call(
            "POST",
            f"/interactions/{pending.id}/{pending.token}/callback",
            data=b"type=5",
            headers=FORM,
        )
        assert called.status == 204, called.body
        hook = f"/webhooks/{emu.application_id}/{pending.token}"
        sent = await rest.call("POST", f"{hook}?wait=true", data=b"content=me+at+19h", headers=FORM)
        assert sent.status == 200, sent.body
        assert sent.body["content"] == "me at 19h"
        edited = await rest.call(
            "PATCH", f"{hook}/messages/{sent.body['id']}", data=b"content=me+at+20h", headers=FORM
        )
        assert edited.body["content"] == "me at 20h"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"content=hi&tts=maybe", "tts"),
        (b"content=hi&flags=four", "flags"),
        (b"embeds=x", "embeds"),
    ],
)
async def test_a_form_field_that_does_not_convert_is_invalid_form_body(
    body: bytes, field: str
) -> None:
    """A form's text that is not a boolean, a number, or that should be a list: 50035 there."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        path = f"/channels/{town.text.id}/messages"
        answer = await rest.call("POST", path, data=body, headers=FORM)
        assert (answer.status, answer.code) == (400, 50035), answer.body
        assert list(answer.field_codes()) == [field]
        assert emu.driver.messages(town.text, town.alice) == []


async def test_a_multipart_body_without_payload_json_takes_its_fields() -> None:
    """Reference > Uploading Files shows ``content`` and ``tts`` as parts beside the files."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        form = aiohttp.FormData()
        form.add_field("content", "the month")
        form.add_field("files[0]", b"png", filename="graph.png", content_type="image/png")
        answer = await rest.call("POST", f"/channels/{town.text.id}/messages", data=form)
        assert answer.status == 200, answer.body
        assert answer.body["content"] == "the month"
        assert answer.body["attachments"][0]["filename"] == "graph.png"


async def test_a_body_that_is_not_json_a_form_or_form_data_is_invalid_form_body() -> None:
    """A text/plain body is 50035 ("invalid Content-Type provided"); broken JSON stays 50109;
    a form that is not text is 50035."""
    async with Emulator() as emu, api(emu) as rest:
        town = small_community(emu)
        path = f"/channels/{town.text.id}/messages"
        plain = await rest.call(
            "POST", path, data=b'{"content": "hi"}', headers={"Content-Type": "text/plain"}
        )
        assert (plain.status, plain.code, plain.body.get("errors")) == (400, 50035, None)
        broken = await rest.call(
            "POST", path, data=b'{"content": ', headers={"Content-Type": "application/json"}
        )
        assert (broken.status, broken.code) == (400, 50109)
        # Bytes that are not UTF-8 at all cannot be a form's text (never a 5xx).
        not_text = await rest.call("POST", path, data=b"content=\xff", headers=FORM)
        assert (not_text.status, not_text.code) == (400, 50035)
        assert emu.driver.messages(town.text, town.alice) == []
