"""Connections that break, hang or were never FTP: what the uploader reports, and what it retries.

A hung server is a real vsftpd stopped with SIGSTOP. Failures no real server produces on demand
(a reset halfway through a file, EPSV pointing at a closed port, an SSH daemon's greeting) come
from a scripted FTP server on loopback (tests/uploader/scripted_ftp.py).
"""

import asyncio
import contextlib
import os
import signal
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from custom_components.camupload.uploader.errors import ProtocolError, UploadConnectionError
from custom_components.camupload.uploader.ftp_client import MAX_REPLY_LINES, FtpClient
from custom_components.camupload.uploader.model import (
    Destination,
    OutgoingFile,
    Protocol,
    RemoteFile,
)
from custom_components.camupload.uploader.session import StreamingSession, upload_once
from tests.ports import free_port
from tests.uploader.scripted_ftp import FtpConnection, ScriptedFtpServer, reset
from tests.uploader.servers import FtpServer, _descendants, make_certificate

JPEG = b"\xff\xd8" + bytes(range(256)) * 64 + b"\xff\xd9"
# More than loopback's socket buffers hold, so the sender is still writing when it breaks.
LARGE = bytes(range(256)) * (128 * 1024)  # 32 MiB
SHORT = 0.5  # seconds: the I/O timeout of tests that wait for something that never comes


def _destination(server: ScriptedFtpServer, **overrides: object) -> Destination:
    values: dict[str, object] = {"host": server.host, "port": server.port, "username": "cam"}
    return Destination(**{**values, **overrides})  # type: ignore[arg-type]


def _file(name: str = "img.jpg", data: bytes = JPEG) -> OutgoingFile:
    return OutgoingFile(remote=RemoteFile(name=name), data=data)


@contextlib.contextmanager
def _hung(server: FtpServer) -> Iterator[None]:
    """Stop every process of the server (SIGSTOP), as a hung NAS; let them go afterwards."""
    assert server.process is not None
    pids = [server.process.pid, *_descendants(server.process.pid)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


async def test_hung_server_never_greets(vsftpd_server: FtpServer) -> None:
    """The kernel accepts the connection but the server says nothing: a timeout, said as such."""
    with _hung(vsftpd_server):
        client = FtpClient(vsftpd_server.destination(), timeout=SHORT)
        with pytest.raises(UploadConnectionError, match="did not answer in time"):
            await client.connect()
    assert not client.connected


async def test_ssh_port_is_not_ftp() -> None:
    """A destination pointing at an SSH daemon: the error quotes what answered, at once."""
    banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
    async with ScriptedFtpServer(greeting=banner) as server:
        # An SSH daemon waits for the client's banner after its own: nothing more comes.
        with pytest.raises(ProtocolError, match="not an FTP reply") as caught:
            await upload_once(_destination(server), _file(), io_timeout=SHORT)
    assert caught.value.server_reply == banner


async def test_greeting_that_never_ends() -> None:
    """A continued reply without its last line is cut off rather than read forever."""
    endless = "\r\n".join(["220-Welcome, camera"] * (MAX_REPLY_LINES + 50))
    async with ScriptedFtpServer(greeting=endless) as server:
        with pytest.raises(ProtocolError, match="reply never ended"):
            await upload_once(_destination(server), _file())
        assert server.commands == []


async def _epsv_to_closed_port(connection: FtpConnection, _argument: str) -> None:
    await connection.reply(f"229 Entering Extended Passive Mode (|||{free_port()}|)")


async def test_passive_port_refused() -> None:
    """A passive port nobody listens on (a firewall in between): no STOR is sent."""
    async with ScriptedFtpServer({"EPSV": _epsv_to_closed_port}) as server:
        with pytest.raises(UploadConnectionError, match="Cannot open the passive data connection"):
            await upload_once(_destination(server), _file())
    assert not any(command.startswith("STOR") for command in server.commands)
    assert server.stored == {}


async def test_fresh_streaming_connection_is_not_retried() -> None:
    """A new connection that fails before storing is not opened again for the same file."""
    async with ScriptedFtpServer({"EPSV": _epsv_to_closed_port}) as server:
        session = StreamingSession(_destination(server), noop_interval=0.05)
        try:
            with pytest.raises(UploadConnectionError, match="passive data connection"):
                await session.upload(_file())
            assert session.connections_opened == 1
            assert server.commands.count("EPSV") == 1
            await asyncio.sleep(0.2)  # keep-alive rounds find no connection to keep
            assert not session.connected
            assert "NOOP" not in server.commands
        finally:
            await session.close()


async def _accept_port_without_dialling(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("200 PORT command successful")


async def _ready_but_never_dialling(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("150 Ok to send data")


async def test_active_data_connection_never_arrives() -> None:
    """Active mode through a firewall that drops the server's connection: a clear timeout."""
    script = {"PORT": _accept_port_without_dialling, "STOR": _ready_but_never_dialling}
    async with ScriptedFtpServer(script) as server:
        destination = _destination(server, passive=False)
        with pytest.raises(UploadConnectionError, match="did not open the active data connection"):
            await upload_once(destination, _file(), io_timeout=SHORT)


async def _reset_after_64_kib(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("150 Ok to send data")
    reader, writer = await connection.data_connection()
    await reader.readexactly(64 * 1024)
    reset(writer)


async def _never_read(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("150 Ok to send data")
    await connection.data_connection()


async def test_data_connection_reset_halfway() -> None:
    """The server resets the data connection halfway through a large file."""
    async with ScriptedFtpServer({"STOR": _reset_after_64_kib}) as server:
        with pytest.raises(UploadConnectionError, match="data connection broke"):
            await upload_once(_destination(server), _file(data=LARGE))
    assert server.stored == {}


async def test_data_connection_stalls() -> None:
    """A server that stops reading halfway: the upload times out instead of hanging."""
    async with ScriptedFtpServer({"STOR": _never_read}) as server:
        with pytest.raises(UploadConnectionError, match=r"data connection broke.*in time"):
            # Bounded here so the hang shows as a failure, not as the suite's own timeout.
            async with asyncio.timeout(SHORT * 10):
                await upload_once(_destination(server), _file(data=LARGE), io_timeout=SHORT)


async def test_streaming_session_survives_a_reset_control_connection() -> None:
    """A firewall resets the idle streaming connection: the next file goes over a new one."""
    async with ScriptedFtpServer() as server:
        session = StreamingSession(_destination(server))
        try:
            await session.upload(_file("1.jpg"))
            reset(server.connections[0].writer)
            await asyncio.sleep(0.1)  # the reset reaches the client
            await session.upload(_file("2.jpg"))
            assert session.connections_opened == 2
        finally:
            await session.close()
    assert server.stored == {"1.jpg": JPEG, "2.jpg": JPEG}


async def test_command_after_a_reset_control_connection() -> None:
    """A reset between two commands: the next one reports the broken connection and closes."""
    async with ScriptedFtpServer() as server:
        client = FtpClient(_destination(server), timeout=SHORT)
        await client.connect()
        await client.login()
        reset(server.connections[0].writer)
        await asyncio.sleep(0.1)  # the reset reaches the client
        with pytest.raises(UploadConnectionError, match="connection to the server broke"):
            await client.noop()
        assert not client.connected
        with pytest.raises(UploadConnectionError, match="Not connected"):
            await client.noop()
        assert "NOOP" not in server.commands


async def _refuse_tls_on_data(connection: FtpConnection, _argument: str) -> None:
    await connection.reply("150 Ok to send data")
    _reader, writer = await connection.data_connection()
    writer.close()


async def test_tls_refused_on_the_data_connection(tmp_path: Path) -> None:
    """FTPS whose data connection closes during its TLS handshake: the error says so."""
    certificate, key = make_certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate, key)
    async with ScriptedFtpServer({"STOR": _refuse_tls_on_data}, tls=tls) as server:
        destination = _destination(server, protocol=Protocol.FTPS, verify_tls=False)
        with pytest.raises(UploadConnectionError, match="TLS on the data connection failed"):
            await upload_once(destination, _file())
        assert "PROT P" in server.commands
    assert server.stored == {}
