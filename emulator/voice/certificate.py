"""A throw-away TLS certificate for the emulated voice gateway.

nextcord opens the voice gateway at ``wss://{endpoint}`` whatever the endpoint says, so the
emulator serves it over TLS instead of patching the client: the client's own code path runs
unchanged and only has to trust this certificate (``client_context``). The certificate is made
at start with the ``openssl`` command (no Python dependency), valid for 127.0.0.1 and localhost
for two days, and deleted with the emulator.
"""

import asyncio
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

OPENSSL_TIMEOUT = 20.0


class CertificateError(Exception):
    """The certificate could not be made (no ``openssl``, or it failed)."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """A self-signed certificate and its key, in a private temporary directory."""

    directory: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """What the voice gateway serves with."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (and checks the host name)."""
        return ssl.create_default_context(cafile=str(self.cert_file))

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


async def self_signed(host: str) -> Certificate:
    """A new certificate for ``host`` (an IP address), localhost and 127.0.0.1."""
    if shutil.which("openssl") is None:
        raise CertificateError("the openssl command is not installed")
    directory = Path(tempfile.mkdtemp(prefix="squadtime-emulator-tls-"))
    cert = Certificate(directory, directory / "voice-cert.pem", directory / "voice-key.pem")
    names = {"IP:127.0.0.1", "DNS:localhost", f"IP:{host}"}
    process = await asyncio.create_subprocess_exec(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=squadtime emulated voice",
        "-addext",
        "subjectAltName=" + ",".join(sorted(names)),
        "-keyout",
        str(cert.key_file),
        "-out",
        str(cert.cert_file),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(OPENSSL_TIMEOUT):
            _, errors = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        cert.remove()
        raise CertificateError("openssl took too long to make a certificate") from None
    if process.returncode != 0:
        cert.remove()
        raise CertificateError("openssl failed: " + errors.decode(errors="replace").strip())
    return cert
