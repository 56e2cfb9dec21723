"""What a camera sees from a real vsftpd configured to refuse: commands, modes, connections.

Each test starts vsftpd with a setting a hosting provider or a NAS might use (commands denied,
passive or active mode off, one connection per address, a short idle timeout) and checks the
upload either still lands or fails with an error that says why, carrying the server's words.
"""

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import aioftp
import pytest

from custom_components.camupload.uploader.errors import (
    PermissionDeniedError,
    ProtocolError,
    UploadConnectionError,
)
from custom_components.camupload.uploader.ftp_client import FtpClient
from custom_components.camupload.uploader.model import Destination, OutgoingFile, RemoteFile
from custom_components.camupload.uploader.session import StreamingSession, upload_once
from tests.uploader.servers import PASSWORD, USER, FtpServer, vsftpd

DATA = b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9"


def _configured(tmp_path: Path, **settings: str) -> Iterator[FtpServer]:
    """Run vsftpd with settings replacing (or added to) its test configuration."""
    server = vsftpd(tmp_path)
    config = tmp_path / "vsftpd.conf"
    lines = [
        line for line in config.read_text().splitlines() if line.split("=", 1)[0] not in settings
    ]
    lines += [f"{key}={value}" for key, value in settings.items()]
    config.write_text("\n".join(lines) + "\n")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def no_epsv_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that denies EPSV (an old server or a NAT helper that only knows PASV)."""
    yield from _configured(tmp_path, cmds_denied="EPSV")


@pytest.fixture
def active_only_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd with passive mode turned off."""
    yield from _configured(tmp_path, pasv_enable="NO")


@pytest.fixture
def passive_only_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd with active mode (PORT) turned off."""
    yield from _configured(tmp_path, port_enable="NO")


@pytest.fixture
def one_connection_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that allows one connection per address."""
    yield from _configured(tmp_path, max_per_ip="1")


@pytest.fixture
def no_delete_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that lets cameras store and rename but never delete."""
    yield from _configured(tmp_path, cmds_denied="DELE")


@pytest.fixture
def no_pwd_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that will not say the login directory."""
    yield from _configured(tmp_path, cmds_denied="PWD")


@pytest.fixture
def short_idle_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that ends a control connection idle for one second."""
    yield from _configured(tmp_path, idle_session_timeout="1")


def _file(
    server: FtpServer, name: str = "img.jpg", temporary_name: str | None = None
) -> OutgoingFile:
    """A JPEG for the server's writable directory; a temporary name also deletes first."""
    remote = RemoteFile(
        directory=server.writable,
        name=name,
        temporary_name=temporary_name,
        delete_before_rename=temporary_name is not None,
    )
    return OutgoingFile(remote=remote, data=DATA)


def _connected(session: StreamingSession) -> bool:
    """Whether the session holds a connection (a call, so mypy does not narrow it)."""
    return session.connected


async def test_passive_upload_falls_back_to_pasv(no_epsv_server: FtpServer) -> None:
    """A server refusing EPSV still gets the upload, over PASV."""
    result = await upload_once(no_epsv_server.destination(passive=True), _file(no_epsv_server))
    assert no_epsv_server.path("img.jpg").read_bytes() == DATA
    assert result.size == len(DATA)


async def test_passive_mode_turned_off(active_only_server: FtpServer) -> None:
    """Passive mode off on the server: the error names passive mode; active mode delivers."""
    with pytest.raises(PermissionDeniedError, match="refused the passive mode") as caught:
        await upload_once(active_only_server.destination(passive=True), _file(active_only_server))
    assert caught.value.server_reply == "550 Permission denied."
    assert not active_only_server.path("img.jpg").exists()
    await upload_once(active_only_server.destination(passive=False), _file(active_only_server))
    assert active_only_server.path("img.jpg").read_bytes() == DATA


async def test_active_mode_turned_off(passive_only_server: FtpServer) -> None:
    """Active mode off on the server: the error names PORT; passive mode delivers."""
    with pytest.raises(PermissionDeniedError, match=r"refused the active mode \(PORT\)") as caught:
        await upload_once(
            passive_only_server.destination(passive=False), _file(passive_only_server)
        )
    assert caught.value.server_reply == "550 Permission denied."
    await upload_once(passive_only_server.destination(passive=True), _file(passive_only_server))
    assert passive_only_server.path("img.jpg").read_bytes() == DATA


async def test_server_without_active_mode(tmp_path: Path) -> None:
    """Aioftp's server knows no PORT: the error quotes its 502; passive mode delivers."""
    server = aioftp.Server([aioftp.User(USER, PASSWORD, base_path=tmp_path)])
    await server.start("127.0.0.1", 0)
    try:
        port = server.server.sockets[0].getsockname()[1]
        destination = Destination(host="127.0.0.1", port=port, username=USER, password=PASSWORD)
        file = OutgoingFile(remote=RemoteFile(name="img.jpg"), data=DATA)
        with pytest.raises(ProtocolError, match=r"Unexpected answer to the active mode") as caught:
            await upload_once(dataclasses.replace(destination, passive=False), file)
        assert caught.value.server_reply is not None
        assert caught.value.server_reply.startswith("502")
        assert not (tmp_path / "img.jpg").exists()
        await upload_once(destination, file)
    finally:
        await server.close()
    assert (tmp_path / "img.jpg").read_bytes() == DATA


async def _first_connection(destination: Destination) -> FtpClient:
    """Log in once the server has let go of the fixture's readiness probe, which counts too."""
    async with asyncio.timeout(5):
        while True:
            client = FtpClient(destination, timeout=5)
            try:
                await client.connect()
            except UploadConnectionError:
                await asyncio.sleep(0.05)
                continue
            await client.login()
            return client


async def test_second_connection_over_the_limit(one_connection_server: FtpServer) -> None:
    """A server at its connection limit answers 421: the error carries its reason."""
    destination = one_connection_server.destination()
    first = await _first_connection(destination)
    try:
        second = FtpClient(destination, timeout=5)
        with pytest.raises(UploadConnectionError, match="closed the session") as caught:
            await second.connect()
        assert caught.value.server_reply is not None
        assert caught.value.server_reply.startswith("421")
        assert "too many connections" in caught.value.server_reply
        assert not second.connected
        # The first connection is untouched and still delivers.
        await first.change_directory(one_connection_server.writable)
        await first.store("img.jpg", DATA)
    finally:
        await first.quit()
    assert one_connection_server.path("img.jpg").read_bytes() == DATA


async def test_delete_before_rename_refused(no_delete_server: FtpServer) -> None:
    """Replacing a file on a server that forbids deleting fails, saying the deletion was refused."""
    destination = no_delete_server.destination()
    # Nothing to delete the first time: the upload lands.
    await upload_once(destination, _file(no_delete_server, temporary_name="img.tmp"))
    assert no_delete_server.path("img.jpg").read_bytes() == DATA
    second = OutgoingFile(
        remote=_file(no_delete_server, temporary_name="img.tmp").remote, data=b"second"
    )
    with pytest.raises(PermissionDeniedError, match=r"deletion of 'img\.jpg'") as caught:
        await upload_once(destination, second)
    assert caught.value.server_reply is not None
    assert caught.value.server_reply.startswith("550")
    assert no_delete_server.path("img.jpg").read_bytes() == DATA


async def test_server_hiding_its_directory(no_pwd_server: FtpServer) -> None:
    """A server refusing PWD: paths start at "/", and uploads land where they should."""
    async with FtpClient(no_pwd_server.destination()) as client:
        assert (await client.command("PWD")).code == 550
    file = OutgoingFile(
        remote=RemoteFile(directory=(*no_pwd_server.writable, "cam"), name="img.jpg"), data=DATA
    )
    await upload_once(no_pwd_server.destination(), file)
    assert no_pwd_server.path("cam", "img.jpg").read_bytes() == DATA


async def test_streaming_session_outlived_by_server_idle_timeout(
    short_idle_server: FtpServer,
) -> None:
    """The server's idle timeout beats the keep-alive: the session drops it, then reconnects."""
    # The keep-alive comes after vsftpd's one-second idle timeout has ended the connection.
    session = StreamingSession(short_idle_server.destination(), noop_interval=2.5, idle_limit=60)
    try:
        await session.upload(_file(short_idle_server, name="1.jpg"))
        assert _connected(session)
        async with asyncio.timeout(10):
            # No event tells when the keep-alive finds the connection gone: poll.
            while _connected(session):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await session.upload(_file(short_idle_server, name="2.jpg"))
        assert session.connections_opened == 2
    finally:
        await session.close()
    assert short_idle_server.path("2.jpg").read_bytes() == DATA
