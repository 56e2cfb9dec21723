"""The dedicated HTTP port against hostile clients: bounded heads, timeouts, connection caps."""

import asyncio
import contextlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from custom_components.camupload.receiver.http_server import MAX_QUEUED_REQUESTS, CameraHttpServer
from custom_components.camupload.receiver.model import DEFAULT_MAX_REQUEST_HEAD
from tests.ports import free_port
from tests.receiver.loopback import CAMERA, Running, start_receiver, wait_until
from tests.receiver.processes import command_short_of_files, cpu_ticks
from tests.receiver.raw_clients import auth, exchange, idle_connections
from tests.receiver.sample_jpegs import large_jpeg, make_jpeg

WAIT_SECONDS = 10.0
MIB = 1024 * 1024
# Header lines of 8000 bytes: each under aiohttp's per-field limit of 8190.
FLOOD_LINE = b"X-Flood: " + b"a" * 8000 + b"\r\n"
# What a flooding client sends at most before giving up on an answer.
FLOOD_BYTES = 32 * MIB
FLOOD_CONNECTIONS = 4
SHORT_TIMEOUT = 0.4
# Requests sent at once by the pipelining client, answers never read.
PIPELINED = 2000


@contextlib.asynccontextmanager
async def http_receiver(tmp_path: Path, **overrides: object) -> AsyncIterator[Running]:
    """A receiver serving HTTP only, with the given settings."""
    started = await start_receiver(tmp_path, ftp_port=None, **overrides)
    try:
        yield started
    finally:
        await started.receiver.stop()


def http_server(running: Running) -> CameraHttpServer:
    """The receiver's dedicated HTTP server."""
    server = running.receiver._http
    assert server is not None
    return server


def head(fields: int, *, size: int = 0) -> bytes:
    """A GET head with fields header fields (Host included), padded to size bytes if given."""
    lines = ["GET /nowhere HTTP/1.1", "Host: x", "Connection: close"]
    lines += [f"X-{number}: v" for number in range(fields - 2)]
    text = "\r\n".join(lines) + "\r\n\r\n"
    if size:
        padding = size - len(text) - len("X-Pad: \r\n")
        assert padding >= 0
        text = text[:-2] + f"X-Pad: {'p' * padding}\r\n\r\n"
        assert len(text) == size
    return text.encode()


async def flood(port: int) -> bytes:
    """Send header lines with no end until the server answers; return its answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def send() -> None:
        writer.write(b"POST /photo/cam28 HTTP/1.1\r\nHost: x\r\n")
        sent = 0
        while sent < FLOOD_BYTES:
            writer.write(FLOOD_LINE)
            sent += len(FLOOD_LINE)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            return await reader.read()
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
        writer.close()


async def test_header_flood_is_431_and_nothing_is_kept(tmp_path: Path) -> None:
    """Endless 8 KB header lines: 431 and closed, the head never held past its limit."""
    async with http_receiver(tmp_path) as running:
        memory = running.receiver.memory
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            answers = await asyncio.gather(
                *(flood(running.http_port) for _ in range(FLOOD_CONNECTIONS))
            )
            _, peak = tracemalloc.get_traced_memory()
            await wait_until(lambda: http_server(running).connections == 0)
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
            assert answer.endswith(f"larger than {DEFAULT_MAX_REQUEST_HEAD} bytes\n".encode())
        # Each head drew from the budget, up to its limit, and gave it all back.
        assert memory.snapshot().peak <= FLOOD_CONNECTIONS * DEFAULT_MAX_REQUEST_HEAD
        assert memory.used == 0
        # Without the limit each connection held hundreds of MiB (issue 11: +313 MiB).
        assert peak - before < 8 * MIB
        assert after - before < 1 * MIB


@pytest.mark.parametrize(("fields", "refused"), [(10, False), (11, True)])
async def test_header_field_count_limit(tmp_path: Path, fields: int, *, refused: bool) -> None:
    """max_header_fields fields pass; one more is 431."""
    async with http_receiver(tmp_path, max_header_fields=10) as running:
        answer = await exchange(running.http_port, head(fields))
    if refused:
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert answer.endswith(b"more than 10 header fields\n")
    else:
        assert answer.startswith(b"HTTP/1.1 404 ")


@pytest.mark.parametrize(("size", "refused"), [(1000, False), (1001, True)])
async def test_request_head_size_limit(tmp_path: Path, size: int, *, refused: bool) -> None:
    """A head of max_request_head bytes (request line and blank line included) passes."""
    async with http_receiver(tmp_path, max_request_head=1000) as running:
        answer = await exchange(running.http_port, head(4, size=size))
        assert running.receiver.memory.used == 0
    assert answer.startswith(b"HTTP/1.1 431 " if refused else b"HTTP/1.1 404 ")


async def test_head_and_body_in_one_write_count_only_the_head(tmp_path: Path) -> None:
    """A photo sent in one write with its head is not taken for a long head."""
    jpeg = large_jpeg(4 * 1000)
    async with http_receiver(tmp_path, max_request_head=1000) as running:
        request = (
            f"PUT /photo/{CAMERA.username} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Authorization: {auth(CAMERA.username, CAMERA.password)['Authorization']}\r\n"
            f"Content-Length: {len(jpeg)}\r\n\r\n"
        ).encode()
        answer = await exchange(running.http_port, request + jpeg)
        assert [frame.data for frame in running.collected.frames] == [jpeg]
    assert answer.startswith(b"HTTP/1.1 200 ")


async def test_silent_connection_gets_408_after_the_header_timeout(tmp_path: Path) -> None:
    """A connection that sends nothing stays open up to header_timeout, then 408 and closed."""
    async with http_receiver(tmp_path, header_timeout=SHORT_TIMEOUT) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(SHORT_TIMEOUT / 4):
                    await reader.read(1)
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
        finally:
            writer.close()
        await wait_until(lambda: http_server(running).connections == 0)
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert answer.endswith(f"request head not complete within {SHORT_TIMEOUT} s\n".encode())


async def trickle(writer: asyncio.StreamWriter, data: bytes, pause: float) -> None:
    """Send data one byte at a time."""
    with contextlib.suppress(ConnectionError):
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(pause)


async def test_trickled_head_gets_408(tmp_path: Path) -> None:
    """A head sent a byte at a time, still moving, is cut at header_timeout all the same."""
    async with http_receiver(tmp_path, header_timeout=SHORT_TIMEOUT) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        sender = asyncio.create_task(trickle(writer, head(3, size=400), SHORT_TIMEOUT / 20))
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
            # Refused before the head was whole.
            assert not sender.done()
        finally:
            sender.cancel()
            writer.close()
    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_kept_alive_connection_closes_after_the_keepalive_timeout(tmp_path: Path) -> None:
    """After an answer, a connection with no new request closes at keepalive_timeout."""
    async with http_receiver(
        tmp_path, keepalive_timeout=SHORT_TIMEOUT, header_timeout=WAIT_SECONDS
    ) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            writer.write(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            async with asyncio.timeout(WAIT_SECONDS):
                status = await reader.readline()
                rest = await reader.readuntil(b"404: Not Found")
            assert status.startswith(b"HTTP/1.1 404 ")
            assert b"Connection: close" not in rest
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(SHORT_TIMEOUT / 4):
                    await reader.read(1)
            async with asyncio.timeout(WAIT_SECONDS):
                assert await reader.read() == b""
        finally:
            writer.close()


async def test_next_request_head_is_timed_from_its_first_byte(tmp_path: Path) -> None:
    """On a kept-alive connection the header timeout starts again with the next request."""
    async with http_receiver(
        tmp_path, keepalive_timeout=WAIT_SECONDS, header_timeout=SHORT_TIMEOUT
    ) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            writer.write(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            async with asyncio.timeout(WAIT_SECONDS):
                await reader.readuntil(b"404: Not Found")
            # Longer than the header timeout, idle: the keep-alive timeout governs that.
            await asyncio.sleep(SHORT_TIMEOUT * 1.5)
            sender = asyncio.create_task(trickle(writer, head(3, size=400), SHORT_TIMEOUT / 20))
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
            sender.cancel()
        finally:
            writer.close()
    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_slow_body_is_not_cut_by_the_header_timeout(tmp_path: Path) -> None:
    """The header timeout ends with the head: a body still moving is served."""
    jpeg = make_jpeg(4)
    pieces = 5
    async with http_receiver(tmp_path, header_timeout=SHORT_TIMEOUT) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            writer.write(
                f"PUT /photo/{CAMERA.username} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                f"Authorization: {auth(CAMERA.username, CAMERA.password)['Authorization']}\r\n"
                f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
            )
            step = -(-len(jpeg) // pieces)
            for start in range(0, len(jpeg), step):
                await asyncio.sleep(SHORT_TIMEOUT / 2)
                writer.write(jpeg[start : start + step])
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
        finally:
            writer.close()
        assert [frame.data for frame in running.collected.frames] == [jpeg]
    assert answer.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("caps", "reason"),
    [
        ({"max_connections_per_address": 3}, b"too many connections from your address (at most 3)"),
        ({"max_connections": 3}, b"too many connections (at most 3)"),
    ],
)
async def test_connection_caps(tmp_path: Path, caps: dict[str, int], reason: bytes) -> None:
    """The connection over a cap gets 503 with Retry-After at once; a freed place is reused."""
    async with http_receiver(tmp_path, header_timeout=WAIT_SECONDS * 3, **caps) as running:
        port = running.http_port
        idle = await idle_connections(port, 3)
        try:
            await wait_until(lambda: http_server(running).connections == 3)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            async with asyncio.timeout(WAIT_SECONDS):
                answer = await reader.read()
            writer.close()
            assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
            assert b"\r\nRetry-After: 10\r\n" in answer
            assert answer.endswith(reason + b"\n")
            assert http_server(running).connections == 3
            idle.pop().close()
            await wait_until(lambda: http_server(running).connections == 2)
            assert (await exchange(port, head(3))).startswith(b"HTTP/1.1 404 ")
        finally:
            for writer in idle:
                writer.close()


# More connections than the command can hold open.
_OVER_LIMIT = 40


async def test_out_of_descriptors_pauses_accept_without_spinning() -> None:
    """At the open-file limit the listener waits (one warning, no traceback), then serves again."""
    port = free_port()

    process = await command_short_of_files("--ftp-port", "0", "--http-port", str(port))
    assert process.stderr is not None
    idle: list[asyncio.StreamWriter] = []
    try:
        async with asyncio.timeout(30):
            assert b"http listening" in await process.stderr.readline()
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
        async with asyncio.timeout(WAIT_SECONDS):
            # The command's descriptors come back as it notices the closed connections.
            while not (answer := await _try_request(port)):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 404 ")
    finally:
        for writer in idle:
            writer.close()
        if process.returncode is None:
            process.terminate()
        _, errors = await process.communicate()
    text = errors.decode()
    assert "Traceback" not in text
    assert 1 <= text.count("cannot accept connections") <= 3, text


async def _try_request(port: int) -> bytes:
    with contextlib.suppress(OSError, TimeoutError):
        return await exchange(port, head(3))
    return b""


async def test_a_pipelining_client_that_reads_nothing_is_closed(tmp_path: Path) -> None:
    """Requests queued behind unread answers are bounded: past a few the connection closes.

    aiohttp parses and queues every request of a read; a client that never reads its answers
    would otherwise grow that queue (and memory outside the budget) without end.
    """
    request = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
    assert MAX_QUEUED_REQUESTS * 10 < PIPELINED
    async with http_receiver(tmp_path) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.http_port)
        try:
            writer.write(request * PIPELINED)
            await writer.drain()
            async with asyncio.timeout(WAIT_SECONDS):
                while await reader.read(65536):  # the answers written before the close
                    pass
        finally:
            writer.close()
        await wait_until(lambda: running.receiver.memory.used == 0)
        # The server serves the next client.
        answer = await exchange(running.http_port, head(3))
        assert answer.startswith(b"HTTP/1.1 404")
