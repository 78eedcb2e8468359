"""Checks recorded REST exchanges against Discord's OpenAPI 3.1 description.

The description lives beside the project (``../shared/discord-api-spec/openapi.json``, or the
file named by ``SQUADTIME_DISCORD_SPEC``) and is read at run time, never copied. Each exchange
is matched to an operation by method and path template; its path and query parameters, its
JSON body and the emulator's answer are validated with JSON Schema Draft 2020-12.
"""

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from emulator.engine.recorder import RequestRecord
from emulator.rules.jsontypes import JSONObject, JSONValue, as_array, as_object

SPEC_ENV = "SQUADTIME_DISCORD_SPEC"
SPEC_URI = "urn:discord-openapi"


def spec_path() -> Path:
    """Where Discord's OpenAPI description is expected."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    return repo / ".." / "shared" / "discord-api-spec" / "openapi.json"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way an exchange departs from the description."""

    exchange: str
    part: str
    """``route``, ``path <name>``, ``query <name>``, ``request`` or ``response``."""
    message: str
    where: str = "$"
    """JSON path inside the part, e.g. ``$.attachments[0].id``."""

    def __str__(self) -> str:
        return f"{self.exchange} [{self.part}] {self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str
    pointer: str
    """JSON pointer to the operation object inside the description."""


class _SchemaError(Protocol):
    message: str
    absolute_path: Sequence[str | int]
    validator: object
    relative_schema_path: Sequence[str | int]
    context: Sequence["_SchemaError"] | None


class _Validator(Protocol):
    """The part of jsonschema's validators used here, typed on our JSON values."""

    def iter_errors(self, instance: JSONValue) -> Iterator[_SchemaError]: ...


def _validator(schema: JSONObject, registry: Registry[Any]) -> _Validator:
    validator: _Validator = Draft202012Validator(schema, registry=registry)
    return validator


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


class Contract:
    """Discord's REST contract, ready to validate exchanges."""

    def __init__(self, spec: JSONObject) -> None:
        self.spec = spec
        resource: Resource[JSONValue] = Resource.from_contents(
            spec, default_specification=DRAFT202012
        )
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        paths = as_object(spec.get("paths"))
        # Literal segments win over parameters (``/messages/@original`` before ``{message_id}``).
        self._templates = sorted(paths, key=lambda t: (t.count("{"), -len(t)))
        self._regexes = {t: _template_regex(t) for t in self._templates}
        self._compiled: dict[str, _Validator] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> "Contract":
        with (path or spec_path()).open("rb") as file:
            return cls(as_object(json.load(file)))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path`` (a concrete path, no query)."""
        paths = as_object(self.spec.get("paths"))
        for template in self._templates:
            if self._regexes[template].match(path) and method.lower() in as_object(paths[template]):
                pointer = f"/paths/{_escape(template)}/{method.lower()}"
                return Operation(method.upper(), template, pointer)
        return None

    def check(self, record: RequestRecord) -> list[Violation]:
        """Everything about ``record`` that the description does not allow."""
        exchange = f"{record.method} {record.path} -> {record.status}"
        operation = self.operation(record.method, record.path)
        if operation is None:
            return [Violation(exchange, "route", "no such operation in the description")]
        found: list[Violation] = []
        if operation.template != record.route:
            found.append(
                Violation(
                    exchange,
                    "route",
                    f"recorded as {record.route!r}, described as {operation.template!r}",
                )
            )
        found += self._check_parameters(exchange, operation, record)
        found += self._check_request(exchange, operation, record)
        found += self._check_response(exchange, operation, record)
        return found

    # ----------------------------------------------------------------- parts

    def _node(self, pointer: str) -> JSONValue:
        node: JSONValue = self.spec
        for token in pointer.strip("/").split("/"):
            node = as_object(node).get(token.replace("~1", "/").replace("~0", "~"))
        return node

    def _check_parameters(
        self, exchange: str, operation: Operation, record: RequestRecord
    ) -> list[Violation]:
        declared: list[tuple[str, JSONObject]] = []
        for owner in (f"/paths/{_escape(operation.template)}", operation.pointer):
            for index, raw in enumerate(as_array(as_object(self._node(owner)).get("parameters"))):
                declared.append((f"{owner}/parameters/{index}/schema", as_object(raw)))
        segments = record.path.strip("/").split("/")
        values = dict(zip(_names(operation.template), segments, strict=False))
        found: list[Violation] = []
        query_names: set[str] = set()
        for pointer, parameter in declared:
            name, where = str(parameter.get("name")), parameter.get("in")
            if where == "query":
                query_names.add(name)
                if name in record.query:
                    value = _coerce(record.query[name], as_object(parameter.get("schema")))
                    found += self._validate_pointer(exchange, f"query {name}", pointer, value)
            elif where == "path" and name in values:
                found += self._validate_pointer(exchange, f"path {name}", pointer, values[name])
        for name in record.query:
            if name not in query_names:
                found.append(Violation(exchange, f"query {name}", "undocumented query parameter"))
        return found

    def _check_request(
        self, exchange: str, operation: Operation, record: RequestRecord
    ) -> list[Violation]:
        request_body = as_object(as_object(self._node(operation.pointer)).get("requestBody"))
        if record.body is None:
            if request_body.get("required") is True and record.method in ("POST", "PUT", "PATCH"):
                return [Violation(exchange, "request", "a body is required")]
            return []
        content = as_object(request_body.get("content"))
        if "application/json" not in content:
            return [Violation(exchange, "request", "the operation takes no JSON body")]
        pointer = f"{operation.pointer}/requestBody/content/application~1json/schema"
        return self._validate_pointer(exchange, "request", pointer, record.body)

    def _check_response(
        self, exchange: str, operation: Operation, record: RequestRecord
    ) -> list[Violation]:
        responses = as_object(as_object(self._node(operation.pointer)).get("responses"))
        status = str(record.status)
        for key in (status, f"{status[0]}XX", "default"):
            if key in responses:
                pointer = f"{operation.pointer}/responses/{key}"
                break
        else:
            return [Violation(exchange, "response", f"status {status} is not described")]
        entry = as_object(self._node(pointer))
        reference = entry.get("$ref")
        if isinstance(reference, str):
            pointer = reference.removeprefix("#")
            entry = as_object(self._node(pointer))
        content = as_object(entry.get("content"))
        if "application/json" not in content:
            if record.response is not None:
                return [Violation(exchange, "response", "a body where none is described")]
            return []
        if record.response is None:
            return [Violation(exchange, "response", "no JSON body where one is described")]
        schema_pointer = f"{pointer}/content/application~1json/schema"
        return self._validate_pointer(exchange, "response", schema_pointer, record.response)

    # ------------------------------------------------------------ validation

    def _validate_pointer(
        self, exchange: str, part: str, pointer: str, value: JSONValue
    ) -> list[Violation]:
        validator = self._validator(pointer)
        return [
            Violation(exchange, part, e.message, _where(list(e.absolute_path)))
            for error in validator.iter_errors(value)
            for e in _closest(error)
        ]

    def _validator(self, pointer: str) -> _Validator:
        found = self._compiled.get(pointer)
        if found is None:
            found = _validator({"$ref": f"{SPEC_URI}#{pointer}"}, self._registry)
            self._compiled[pointer] = found
        return found


def _closest(error: _SchemaError) -> list[_SchemaError]:
    """A ``oneOf`` / ``anyOf`` that nothing matched, told by the alternative that came closest
    (fewest errors; on a tie the later one, as Discord's description lists ``null`` first):
    "``$.channel_id``: 1 is not of type 'string'" rather than "not valid under any of the given
    schemas" for the whole body."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[str | int, list[_SchemaError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    nearest = min(reversed(list(branches.values())), key=len)
    return [found for sub in nearest for found in _closest(sub)]


def _names(template: str) -> list[str]:
    """Parameter name per path segment (``""`` for literal segments)."""
    return [
        s[1:-1] if s.startswith("{") and s.endswith("}") else ""
        for s in template.strip("/").split("/")
    ]


def _coerce(text: str, schema: JSONObject) -> JSONValue:
    """Query strings are text; compare them with the described type."""
    kinds = schema.get("type")
    names = {kinds} if isinstance(kinds, str) else {str(k) for k in as_array(kinds)}
    if "integer" in names and text.lstrip("-").isascii() and text.lstrip("-").isdigit():
        return int(text)
    if "boolean" in names and text.lower() in ("true", "false", "1", "0"):
        return text.lower() in ("true", "1")
    return text


def _where(path: list[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
