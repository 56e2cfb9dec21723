"""The FTP control port against idle and hostile clients: caps, login timeout, no descriptors."""

import asyncio
import contextlib
import ftplib
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.receiver.ftp_client import in_thread, login
from tests.receiver.loopback import start_receiver, wait_until
from tests.receiver.processes import command_short_of_files, cpu_ticks
from tests.receiver.raw_clients import idle_connections

WAIT_SECONDS = 10.0
LOGIN_TIMEOUT = 0.5
# More connections than the command can hold open.
_OVER_LIMIT = 40


async def read_reply(reader: asyncio.StreamReader) -> bytes:
    """One reply line, within the wait."""
    async with asyncio.timeout(WAIT_SECONDS):
        return await reader.readline()


@pytest.mark.parametrize(
    ("caps", "reason"),
    [
        ({"max_connections_per_address": 3}, b"too many connections from your address (at most 3)"),
        ({"max_connections": 3}, b"too many connections (at most 3)"),
    ],
)
async def test_connections_over_a_cap_are_refused_before_a_session(
    tmp_path: Path, caps: dict[str, int], reason: bytes
) -> None:
    """The fourth connection gets 421 and is closed at once; a freed place serves again."""
    started = await start_receiver(tmp_path, http_port=None, **caps)
    port = started.ftp_port
    streams = []
    try:
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            streams.append((reader, writer))
            assert (await read_reply(reader)).startswith(b"220 ")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        async with asyncio.timeout(WAIT_SECONDS):
            refused = await reader.read()
        writer.close()
        assert refused == b"421 " + reason + b", try again later\r\n"
        streams.pop()[1].close()
        ftp = started.receiver._ftp
        assert ftp is not None
        await wait_until(lambda: ftp.control_connections == 2)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        streams.append((reader, writer))
        assert (await read_reply(reader)).startswith(b"220 ")
    finally:
        for _, writer in streams:
            writer.close()
        await started.receiver.stop()


async def test_a_connection_that_does_not_log_in_is_closed(tmp_path: Path) -> None:
    """421 after the login timeout, then the end; a logged-in session stays past it."""
    started = await start_receiver(tmp_path, http_port=None, login_timeout=LOGIN_TIMEOUT)
    try:
        camera = await in_thread(lambda: login(started.ftp_port))
        reader, writer = await asyncio.open_connection("127.0.0.1", started.ftp_port)
        try:
            assert (await read_reply(reader)).startswith(b"220 ")
            writer.write(b"USER cam28\r\n")
            assert (await read_reply(reader)).startswith(b"331 ")
            closing = await read_reply(reader)
            assert closing == b"421 no login within 0.5 s, closing control connection\r\n"
            assert await read_reply(reader) == b""
        finally:
            writer.close()
        # Well past the login timeout, the camera that logged in is still served.
        assert (await in_thread(camera.pwd)) == "/"
        await in_thread(camera.quit)
    finally:
        await started.receiver.stop()


def _welcome(port: int) -> str:
    with ftplib.FTP() as client:
        client.connect("127.0.0.1", port, timeout=2)
        return client.getwelcome()


async def _try_welcome(port: int) -> str:
    with contextlib.suppress(OSError, EOFError, ftplib.Error):
        return await in_thread(lambda: _welcome(port))
    return ""


async def test_out_of_descriptors_pauses_ftp_accept_without_spinning() -> None:
    """At the open-file limit the FTP port waits (one warning, no traceback), then serves."""
    port = free_port()

    process = await command_short_of_files("--ftp-port", str(port), "--http-port", "0")
    assert process.stderr is not None
    idle: list[asyncio.StreamWriter] = []
    try:
        async with asyncio.timeout(30):
            assert b"ftp listening" in await process.stderr.readline()
        # More than the process can take: the rest wait in the listen backlog.
        idle = await idle_connections(port, _OVER_LIMIT)
        await asyncio.sleep(0.5)
        ticks = cpu_ticks(process.pid)
        await asyncio.sleep(2)
        # Asleep, not spinning on a readable socket it cannot accept from.
        assert cpu_ticks(process.pid) - ticks < 50
        for writer in idle:
            writer.close()
        idle = []
        async with asyncio.timeout(WAIT_SECONDS * 2):
            # The command's descriptors come back as it notices the closed connections.
            while not (welcome := await _try_welcome(port)):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        assert welcome.startswith("220 ")
    finally:
        for writer in idle:
            writer.close()
        if process.returncode is None:
            process.terminate()
        _, errors = await process.communicate()
    text = errors.decode()
    assert "Traceback" not in text
    assert 1 <= text.count("cannot accept connections") <= 3, text


async def test_stopping_ends_sessions_and_frees_every_place(tmp_path: Path) -> None:
    """Stop with sessions open: each ends, the listener holds no place, the port is free."""
    started = await start_receiver(tmp_path, http_port=None)
    port = started.ftp_port
    clients = await in_thread(lambda: [login(port) for _ in range(3)])
    ftp = started.receiver._ftp
    assert ftp is not None
    await wait_until(lambda: len(ftp.connections) == 3)
    await started.receiver.stop()
    assert ftp.connections == {}
    for client in clients:
        with pytest.raises((EOFError, OSError, ftplib.Error)):
            await in_thread(client.pwd)
    again = await start_receiver(tmp_path, http_port=None, ftp_port=port)
    try:
        assert (await in_thread(lambda: _welcome(port))).startswith("220 ")
    finally:
        await again.receiver.stop()
