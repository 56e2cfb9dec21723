"""Streaming FTP: one connection across uploads, keep-alive, idle close, reconnect."""

import asyncio

import pytest

from custom_components.camupload.uploader.errors import UploadConnectionError
from custom_components.camupload.uploader.model import OutgoingFile, RemoteFile
from custom_components.camupload.uploader.session import StreamingSession
from tests.uploader.servers import FtpServer


def connected(session: StreamingSession) -> bool:
    """Whether the session holds a connection (a call, so mypy does not narrow it)."""
    return session.connected


def frame(index: int, server: FtpServer) -> OutgoingFile:
    """A numbered file with a temporary name."""
    remote = RemoteFile(
        directory=(*server.writable, "s"), name=f"{index}.jpg", temporary_name="mx01.tmp"
    )
    return OutgoingFile(remote=remote, data=bytes([index]) * 1000)


async def test_one_connection_for_many_uploads(vsftpd_server: FtpServer) -> None:
    """Ten uploads share one connection."""
    session = StreamingSession(vsftpd_server.destination())
    try:
        for index in range(10):
            await session.upload(frame(index, vsftpd_server))
        assert session.connections_opened == 1
        assert connected(session)
    finally:
        await session.close()
    assert not connected(session)
    for index in range(10):
        assert vsftpd_server.path("s", f"{index}.jpg").read_bytes() == bytes([index]) * 1000


async def test_reconnects_after_the_server_restarts(proftpd_server: FtpServer) -> None:
    """A stale connection is replaced; a stopped server is an error."""
    session = StreamingSession(proftpd_server.destination(), timeout=5)
    try:
        await session.upload(frame(1, proftpd_server))
        await asyncio.to_thread(proftpd_server.stop)
        await asyncio.to_thread(proftpd_server.start)
        await session.upload(frame(2, proftpd_server))  # the stale connection is replaced
        assert session.connections_opened == 2
        await asyncio.to_thread(proftpd_server.stop)
        with pytest.raises(UploadConnectionError):
            await session.upload(frame(3, proftpd_server))
    finally:
        await session.close()
    assert proftpd_server.path("s", "2.jpg").exists()


async def test_noop_keeps_the_connection_alive(pure_ftpd_server: FtpServer) -> None:
    """Keep-alives hold the connection open while idle."""
    session = StreamingSession(pure_ftpd_server.destination(), noop_interval=0.05, idle_limit=60)
    try:
        await session.upload(frame(1, pure_ftpd_server))
        await asyncio.sleep(0.3)  # several keep-alives
        assert connected(session)
        await session.upload(frame(2, pure_ftpd_server))
        assert session.connections_opened == 1
    finally:
        await session.close()


async def test_idle_limit_closes_the_connection(pure_ftpd_server: FtpServer) -> None:
    """The idle limit closes the connection; the next upload reconnects."""
    session = StreamingSession(pure_ftpd_server.destination(), noop_interval=0.05, idle_limit=0.1)
    try:
        await session.upload(frame(1, pure_ftpd_server))
        assert connected(session)
        for _ in range(100):
            if not connected(session):
                break
            await asyncio.sleep(0.05)
        assert not connected(session)
        await session.upload(frame(2, pure_ftpd_server))
        assert session.connections_opened == 2
    finally:
        await session.close()
