"""Where the bus lives and who may reach it.

By default the broker binds two ``ipc://`` sockets inside a runtime directory
that only the bot's user can open (mode 0700): the directory's permissions
are the access control. A multi-host set-up may use ``tcp://`` instead, and
then only with CurveZMQ: the broker authenticates every peer against a folder
of allowed public keys, so a client without the right keys receives nothing.

pyzmq is imported only where keys are made or loaded: the admin CLI reads the runtime
directory from here, and its ``install`` step runs before any package is installed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import zmq

PUBLISH_SOCKET = "bus-in.sock"
SUBSCRIBE_SOCKET = "bus-out.sock"


class EndpointError(Exception):
    """The bus cannot be set up safely as configured."""


@dataclass(frozen=True, slots=True)
class CurveKeys:
    """CurveZMQ key material for one side of a TCP connection.

    A client holds its own key pair and the broker's public key; the broker
    holds its key pair and ``allowed_clients``, a folder of public key files.
    """

    public: bytes
    secret: bytes
    server_public: bytes = b""
    server_secret: bytes = b""
    allowed_clients: Path | None = None

    def as_server(self) -> CurveKeys:
        """The server side of these keys, for a service's request socket."""
        if not self.server_secret:
            raise EndpointError("serving requests over tcp needs the broker's secret key here")
        return CurveKeys(
            public=self.server_public,
            secret=self.server_secret,
            allowed_clients=self.allowed_clients,
        )


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the bus is.

    Publishers connect to the broker's ``publish`` address and subscribers to
    its ``subscribe`` address; a service answering requests binds
    ``request_address(service)``: ``requests`` with ``{service}`` filled in,
    unless ``request_overrides`` names an address for that service.
    """

    publish: str
    subscribe: str
    curve: CurveKeys | None = None
    requests: str = ""
    request_overrides: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def ipc(cls, runtime_dir: Path) -> Endpoints:
        """Endpoints as ipc sockets in ``runtime_dir`` (which must be private)."""
        return cls(
            publish=f"ipc://{runtime_dir / PUBLISH_SOCKET}",
            subscribe=f"ipc://{runtime_dir / SUBSCRIBE_SOCKET}",
            requests=f"ipc://{runtime_dir}/req-{{service}}.sock",
        )

    def request_address(self, service: str) -> str:
        """Where ``service`` answers requests."""
        if address := self.request_overrides.get(service):
            return address
        if not self.requests:
            raise EndpointError(f"no request address for {service!r}")
        return self.requests.format(service=service)

    def check(self) -> None:
        """Refuse TCP without CurveZMQ keys: the bus carries members' data."""
        urls = [self.publish, self.subscribe, self.requests, *self.request_overrides.values()]
        if self.curve is None and any(url.startswith("tcp://") for url in urls):
            raise EndpointError("the bus refuses tcp:// endpoints without CurveZMQ keys")


def ensure_private_dir(path: Path, owner: int | None = None) -> Path:
    """Create ``path`` as a 0700 directory owned by ``owner`` (default: us), or refuse it.

    An existing directory of ours is tightened to 0700; one owned by somebody
    else is refused, because they could read the bus or plant sockets in it.
    """
    owner = os.getuid() if owner is None else owner
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise EndpointError(f"{path} is not a directory")
    if info.st_uid != owner:
        raise EndpointError(f"{path} belongs to uid {info.st_uid}, not to us; refusing to use it")
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path


def apply_client_curve(socket: zmq.Socket[Any], keys: CurveKeys | None) -> None:
    """Make ``socket`` a CurveZMQ client when keys are given."""
    if keys is None:
        return
    socket.curve_publickey = keys.public
    socket.curve_secretkey = keys.secret
    socket.curve_serverkey = keys.server_public


def apply_server_curve(socket: zmq.Socket[Any], keys: CurveKeys | None) -> None:
    """Make ``socket`` a CurveZMQ server when keys are given."""
    if keys is None:
        return
    socket.curve_publickey = keys.public
    socket.curve_secretkey = keys.secret
    socket.curve_server = True


def runtime_dir_from_env(env: Mapping[str, str]) -> Path:
    """The private runtime directory: ``SQUADTIME_RUNTIME_DIR``, else one per user."""
    if configured := env.get("SQUADTIME_RUNTIME_DIR"):
        return Path(configured)
    if xdg := env.get("XDG_RUNTIME_DIR"):
        return Path(xdg) / "squadtime"
    return Path(tempfile.gettempdir()) / f"squadtime-{os.getuid()}"


def endpoints_from_env(env: Mapping[str, str], *, role: Literal["client", "broker"]) -> Endpoints:
    """The bus endpoints as configured in the environment.

    ``SQUADTIME_BUS_PUBLISH`` / ``SQUADTIME_BUS_SUBSCRIBE`` override the ipc
    default, ``SQUADTIME_BUS_REQUEST_<SERVICE>`` a service's request address;
    ``SQUADTIME_BUS_KEYS`` names a key folder (``python -m bus keygen``) and is
    required for tcp.
    """
    runtime_dir = ensure_private_dir(runtime_dir_from_env(env))
    default = Endpoints.ipc(runtime_dir)
    keys_dir = env.get("SQUADTIME_BUS_KEYS")
    prefix = "SQUADTIME_BUS_REQUEST_"
    endpoints = Endpoints(
        publish=env.get("SQUADTIME_BUS_PUBLISH", default.publish),
        subscribe=env.get("SQUADTIME_BUS_SUBSCRIBE", default.subscribe),
        curve=load_curve_keys(Path(keys_dir), role=role) if keys_dir else None,
        requests=default.requests,
        request_overrides={
            name.removeprefix(prefix).lower(): url
            for name, url in env.items()
            if name.startswith(prefix)
        },
    )
    endpoints.check()
    return endpoints


BROKER_KEY = "broker"
CLIENT_KEY = "client"
ALLOWED_CLIENTS = "clients"


def create_curve_keys(folder: Path) -> None:
    """Make a broker key pair and one client key pair that the broker allows.

    Copy ``client.key_secret`` and ``broker.key`` to each other host; add
    further clients' public keys to ``clients/``.
    """
    import zmq.auth

    ensure_private_dir(folder)
    allowed = ensure_private_dir(folder / ALLOWED_CLIENTS)
    zmq.auth.create_certificates(str(folder), BROKER_KEY)
    client_public, _ = zmq.auth.create_certificates(str(folder), CLIENT_KEY)
    shutil.copyfile(client_public, allowed / f"{CLIENT_KEY}.key")


def load_curve_keys(folder: Path, *, role: Literal["client", "broker"]) -> CurveKeys:
    """Load the keys of one side from a folder made by ``create_curve_keys``."""
    import zmq.auth

    try:
        if role == "broker":
            public, secret = zmq.auth.load_certificate(str(folder / f"{BROKER_KEY}.key_secret"))
            server_public = b""
        else:
            public, secret = zmq.auth.load_certificate(str(folder / f"{CLIENT_KEY}.key_secret"))
            server_public, _ = zmq.auth.load_certificate(str(folder / f"{BROKER_KEY}.key"))
    except (OSError, ValueError) as error:
        raise EndpointError(f"cannot load the bus keys from {folder}: {error}") from error
    if secret is None:
        raise EndpointError(f"the bus key file in {folder} holds no secret key")
    allowed = folder / ALLOWED_CLIENTS
    if role == "broker":
        return CurveKeys(public=public, secret=secret, allowed_clients=allowed)
    # A host that serves requests over tcp holds the server key too.
    server_secret = b""
    if (folder / f"{BROKER_KEY}.key_secret").exists():
        _, maybe_secret = zmq.auth.load_certificate(str(folder / f"{BROKER_KEY}.key_secret"))
        server_secret = maybe_secret or b""
    return CurveKeys(
        public=public,
        secret=secret,
        server_public=server_public,
        server_secret=server_secret,
        allowed_clients=allowed if allowed.is_dir() else None,
    )
