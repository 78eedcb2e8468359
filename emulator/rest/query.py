"""Query-string parameters read as Discord reads them: a bad one is 400 50035, never a 500.

Discord names the parameter in the ``errors`` tree: ``limit`` ``NUMBER_TYPE_COERCE`` ("Value
"abc" is not int.") or ``NUMBER_TYPE_MAX``, ``before`` ``NUMBER_TYPE_COERCE`` ("... is not
snowflake.").
"""

from aiohttp import web

from emulator.rest.context import parse_snowflake
from emulator.rules import errors


def snowflake_param(request: web.Request, name: str) -> int | None:
    """An optional snowflake parameter (``before``, ``after``, ``around``)."""
    value = request.query.get(name)
    return None if value is None else parse_snowflake(name, value)


def limit_param(request: web.Request, *, default: int, low: int = 1, high: int = 100) -> int:
    """``limit``, refused outside ``low..high`` (Discord does not clamp it)."""
    value = request.query.get("limit")
    if value is None:
        return default
    text = value.strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
        raise errors.not_an_int("limit", value)
    number = int(text)
    found = errors.FormErrors()
    if number < low:
        found.too_small(("limit",), low)
    elif number > high:
        found.too_big(("limit",), high)
    found.raise_if_any()
    return number
