"""FTP and FTPS uploads against real vsftpd, pure-ftpd and proftpd on loopback."""

import asyncio
import ftplib
import ssl
import threading

import pytest

from custom_components.camupload.uploader import ftp_client
from custom_components.camupload.uploader.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    UploadConnectionError,
)
from custom_components.camupload.uploader.ftp_client import FtpClient
from custom_components.camupload.uploader.model import (
    Destination,
    OutgoingFile,
    Protocol,
    RemoteFile,
)
from custom_components.camupload.uploader.session import _Progress, deliver, upload_once
from tests.ports import free_port
from tests.uploader.servers import BAD_PASSWORD, FtpServer

DATA = bytes(range(256)) * 400


def outgoing(server: FtpServer, *parts: str, name: str = "img.jpg", **kw: object) -> OutgoingFile:
    """A file for the server's writable directory plus `parts`."""
    remote = RemoteFile(directory=(*server.writable, *parts), name=name, **kw)  # type: ignore[arg-type]
    return OutgoingFile(remote=remote, data=DATA)


@pytest.mark.parametrize("passive", [True, False], ids=["passive", "active"])
async def test_upload_creates_directories_and_renames(
    any_server: FtpServer, *, passive: bool
) -> None:
    """Missing levels are created and the temporary file is renamed, on every server."""
    file = outgoing(any_server, "cam", "2025", "01", temporary_name="mx01.tmp")
    result = await upload_once(any_server.destination(passive=passive), file)
    landed = any_server.path("cam", "2025", "01", "img.jpg")
    assert landed.read_bytes() == DATA
    assert not any_server.path("cam", "2025", "01", "mx01.tmp").exists()
    assert result.size == len(DATA)
    assert result.path.endswith("cam/2025/01/img.jpg")
    assert result.seconds > 0


async def test_upload_without_temporary_name_to_root(pure_ftpd_server: FtpServer) -> None:
    """An empty directory means the server's root."""
    file = OutgoingFile(remote=RemoteFile(name="root.jpg"), data=b"\xff\xd8root\xff\xd9")
    await upload_once(pure_ftpd_server.destination(), file)
    assert (pure_ftpd_server.files / "root.jpg").read_bytes() == b"\xff\xd8root\xff\xd9"


@pytest.mark.parametrize("passive", [True, False], ids=["passive", "active"])
async def test_ftps_with_session_reuse(vsftpd_tls_server: FtpServer, *, passive: bool) -> None:
    """Explicit FTPS works with vsftpd's require_ssl_reuse in both modes."""
    destination = vsftpd_tls_server.destination(
        protocol=Protocol.FTPS, verify_tls=False, passive=passive
    )
    await upload_once(destination, outgoing(vsftpd_tls_server, "tls", temporary_name="t.tmp"))
    assert vsftpd_tls_server.path("tls", "img.jpg").read_bytes() == DATA


async def test_ftps_verifies_the_certificate(
    vsftpd_tls_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A self-signed certificate fails verification until it is trusted."""
    destination = vsftpd_tls_server.destination(protocol=Protocol.FTPS, verify_tls=True)
    with pytest.raises(UploadConnectionError, match="certificate is not trusted"):
        await upload_once(destination, outgoing(vsftpd_tls_server))
    assert vsftpd_tls_server.certificate is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(vsftpd_tls_server.certificate))
    await upload_once(destination, outgoing(vsftpd_tls_server, name="trusted.jpg"))
    assert vsftpd_tls_server.path("trusted.jpg").read_bytes() == DATA


async def test_ftps_loads_certificates_off_the_event_loop(
    vsftpd_tls_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA certificates reads files, so it runs in a worker thread."""
    loop_thread = threading.get_ident()
    threads: list[int] = []
    original = ftp_client.make_tls_context

    def recording(*, verify: bool) -> ssl.SSLContext:
        threads.append(threading.get_ident())
        return original(verify=verify)

    monkeypatch.setattr(ftp_client, "make_tls_context", recording)
    monkeypatch.setenv("SSL_CERT_FILE", str(vsftpd_tls_server.certificate))
    destination = vsftpd_tls_server.destination(protocol=Protocol.FTPS, verify_tls=True)
    await upload_once(destination, outgoing(vsftpd_tls_server, name="thread.jpg"))
    assert threads
    assert loop_thread not in threads


async def test_plain_ftp_to_a_tls_only_server_is_refused(vsftpd_tls_server: FtpServer) -> None:
    """A server that insists on TLS refuses a plain login."""
    with pytest.raises(AuthenticationError, match="rejected the login"):
        await upload_once(vsftpd_tls_server.destination(), outgoing(vsftpd_tls_server))


async def test_ftps_to_a_server_without_tls(pure_ftpd_server: FtpServer) -> None:
    """FTPS against a server without TLS is a protocol error."""
    destination = pure_ftpd_server.destination(protocol=Protocol.FTPS)
    with pytest.raises(ProtocolError, match="does not offer FTPS"):
        await upload_once(destination, outgoing(pure_ftpd_server))


@pytest.mark.parametrize("server_name", ["vsftpd_server", "pure_ftpd_server", "proftpd_server"])
async def test_wrong_password(server_name: str, request: pytest.FixtureRequest) -> None:
    """Each server's 530 becomes an AuthenticationError carrying the reply."""
    server: FtpServer = request.getfixturevalue(server_name)
    with pytest.raises(AuthenticationError, match="rejected the login") as caught:
        await upload_once(server.destination(password=BAD_PASSWORD), outgoing(server))
    assert caught.value.server_reply is not None
    assert caught.value.server_reply.startswith("530")


async def test_nobody_listening() -> None:
    """A closed port is a connection error."""
    destination = Destination(host="127.0.0.1", port=free_port())
    with pytest.raises(UploadConnectionError, match="Cannot connect"):
        await upload_once(destination, OutgoingFile(remote=RemoteFile(name="x"), data=b"x"))


async def test_permission_denied(vsftpd_server: FtpServer) -> None:
    """Read-only directories give PermissionDeniedError for STOR and MKD."""
    # vsftpd's anonymous root is read-only; only incoming/ is writable.
    file = OutgoingFile(remote=RemoteFile(name="x.jpg"), data=DATA)
    with pytest.raises(PermissionDeniedError, match="refused the upload") as caught:
        await upload_once(vsftpd_server.destination(), file)
    assert caught.value.server_reply is not None
    with pytest.raises(PermissionDeniedError, match="creation of directory"):
        await upload_once(
            vsftpd_server.destination(),
            OutgoingFile(remote=RemoteFile(directory=("new",), name="x"), data=b"x"),
        )


async def test_rename_over_existing_needs_delete_first(no_overwrite_server: FtpServer) -> None:
    """A server refusing to overwrite needs delete-before-rename."""
    destination = no_overwrite_server.destination()
    first = outgoing(no_overwrite_server, temporary_name="mx01.tmp")
    await upload_once(destination, first)
    second = OutgoingFile(remote=first.remote, data=b"second")
    with pytest.raises(PermissionDeniedError, match="rename"):
        await upload_once(destination, second)
    assert no_overwrite_server.path("img.jpg").read_bytes() == DATA
    third = OutgoingFile(
        remote=RemoteFile(name="img.jpg", temporary_name="mx01.tmp", delete_before_rename=True),
        data=b"third",
    )
    # The failed attempt left mx01.tmp behind; the server refuses storing over it too.
    await upload_once(destination, third)
    assert no_overwrite_server.path("img.jpg").read_bytes() == b"third"
    assert not no_overwrite_server.path("mx01.tmp").exists()


async def test_rename_that_already_happened_counts_as_done(proftpd_server: FtpServer) -> None:
    """A retried rename whose target is complete is done, and nothing is deleted."""
    file = outgoing(proftpd_server, "d", temporary_name="t.tmp", delete_before_rename=True)
    # Another connection stored and renamed; only our acknowledgement got lost.
    ftp = ftplib.FTP()  # a real client on loopback
    ftp.connect("127.0.0.1", proftpd_server.port)
    ftp.login(proftpd_server.username, proftpd_server.password)
    ftp.mkd("d")
    ftp.storbinary("STOR d/t.tmp", _Reader(DATA))
    ftp.rename("d/t.tmp", "d/img.jpg")
    ftp.quit()
    async with FtpClient(proftpd_server.destination()) as client:
        result = await deliver(client, file, _Progress(stored=True))
    assert result.size == len(DATA)
    assert proftpd_server.path("d", "img.jpg").read_bytes() == DATA


async def test_delete_of_missing_file(pure_ftpd_server: FtpServer) -> None:
    """DELE, SIZE, NOOP and CWD without creation behave as documented."""
    async with FtpClient(pure_ftpd_server.destination()) as client:
        assert not await client.delete("missing.jpg")
        await client.store("present.jpg", b"x")
        assert await client.size("present.jpg") == 1
        assert await client.delete("present.jpg")
        await client.noop()
        with pytest.raises(PermissionDeniedError):
            await client.change_directory(("absent",), create=False)
    assert not client.connected


async def test_server_closing_mid_session(vsftpd_server: FtpServer) -> None:
    """A server that disappears turns the next command into a connection error."""
    client = FtpClient(vsftpd_server.destination(), timeout=5)
    await client.connect()
    await client.login()
    vsftpd_server.stop()
    await asyncio.sleep(0.1)
    with pytest.raises(UploadConnectionError):
        await client.change_directory(("incoming",))
    await client.close()
    with pytest.raises(UploadConnectionError, match="Not connected"):
        await client.command("NOOP")


class _Reader:
    """A minimal binary reader for ftplib."""

    def __init__(self, data: bytes) -> None:
        """Start with no uploads and answer 200."""
        self._data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self._data = self._data[: size if size >= 0 else None], self._data[size:]
        return chunk if size >= 0 else chunk + self._data
