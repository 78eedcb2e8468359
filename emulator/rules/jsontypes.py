"""The shape of JSON documents exchanged with clients."""

type JSONValue = str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None
type JSONObject = dict[str, JSONValue]
type JSONArray = list[JSONValue]


def as_object(value: JSONValue) -> JSONObject:
    """Return ``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_array(value: JSONValue) -> JSONArray:
    """Return ``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []
