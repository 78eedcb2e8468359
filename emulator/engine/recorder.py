"""The log of every REST request: what was asked, what was answered."""

from dataclasses import dataclass, field

from emulator.rules.jsontypes import JSONValue


@dataclass(frozen=True, slots=True)
class UploadRecord:
    field: str
    filename: str
    size: int


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One REST exchange, with the route template the emulator matched."""

    method: str
    path: str
    route: str
    """Template in Discord's OpenAPI spelling, e.g. ``/channels/{channel_id}/messages``."""
    params: dict[str, str]
    major: str
    query: dict[str, str]
    body: JSONValue
    """The JSON body, or the ``payload_json`` part of a multipart body."""
    status: int
    response: JSONValue
    content_type: str = ""
    uploads: tuple[UploadRecord, ...] = ()
    at: float = 0.0
    """Monotonic time the answer was sent."""

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}"


@dataclass(slots=True)
class RequestLog:
    """Every request in arrival order."""

    records: list[RequestRecord] = field(default_factory=list)

    def add(self, record: RequestRecord) -> None:
        self.records.append(record)

    def matching(self, method: str, route: str) -> list[RequestRecord]:
        return [r for r in self.records if r.method == method and r.route == route]

    def clear(self) -> None:
        self.records.clear()

    def __len__(self) -> int:
        return len(self.records)
