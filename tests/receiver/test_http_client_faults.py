"""A client's faults on the HTTP port: a short answer and one short log line, never a traceback."""

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.http_exceptions import BadHttpMessage

from custom_components.camupload.receiver.http_upload import (
    MAX_FAULT_TEXT,
    ClientFaultLog,
    describe_fault,
)
from tests.ports import free_port
from tests.receiver.loopback import CAMERA, Running, start_receiver
from tests.receiver.processes import MODULE, REPO, read_until, run
from tests.receiver.raw_clients import auth, exchange
from tests.receiver.sample_jpegs import make_jpeg

WAIT_SECONDS = 10.0
# A log line about a client's fault: its message plus the address and the reason.
SHORT_LINE = 200
_WATCHED = ("aiohttp", "custom_components.camupload")
_AUTH = auth(CAMERA.username, CAMERA.password)["Authorization"]

# Requests no HTTP parser accepts, one per connection.
MALFORMED = {
    "bad header token": b"POST /photo/cam28 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    "bad content length": b"POST /photo/cam28 HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
    "header line too long": b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n",
    "second request not HTTP": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x16\x03\x01 / HTTP/1.1\r\n\r\n",
    "broken chunk size": (
        b"POST /photo/cam28 HTTP/1.1\r\nHost: x\r\nAuthorization: " + _AUTH.encode()
        + b"\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\xff\xd8\xff\xe0\r\nzz\r\n"
    ),
}  # fmt: skip


def _head(path: str, headers: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {_AUTH}\r\n{headers}"
        "Content-Length: 100000\r\n\r\n"
    ).encode()


# Uploads whose connection drops mid-body, as when a camera loses Wi-Fi.
CUT_OFF = {
    "photo": _head("/photo/cam28", "Content-Type: image/jpeg\r\n") + make_jpeg(1)[:400],
    "form": _head("/photo/cam28", "Content-Type: multipart/form-data; boundary=XX\r\n")
    + b'--XX\r\nContent-Disposition: form-data; name="f"; filename="a.jpg"\r\n\r\n'
    + make_jpeg(1)[:400],
    "mjpeg": _head("/upload/cam28") + b"--b\r\nContent-Type: image/jpeg\r\n\r\n" + make_jpeg(1),
}


@pytest.fixture
async def http_only(tmp_path: Path) -> AsyncIterator[Running]:
    """A receiver serving HTTP only."""
    started = await start_receiver(tmp_path, ftp_port=None)
    try:
        yield started
    finally:
        await started.receiver.stop()


def watched(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records of the receiver and of aiohttp."""
    return [record for record in caplog.records if record.name.startswith(_WATCHED)]


async def wait_for_record(
    caplog: pytest.LogCaptureFixture, matches: Callable[[logging.LogRecord], bool]
) -> None:
    """Wait until a watched record matches."""
    async with asyncio.timeout(WAIT_SECONDS):
        # Records come from the server's tasks; caplog offers nothing to wait on.
        while not any(matches(record) for record in watched(caplog)):  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def assert_short_lines(records: list[logging.LogRecord]) -> None:
    """No traceback, no multi-line or long message."""
    for record in records:
        assert record.exc_info is None, record.getMessage()
        message = record.getMessage()
        assert "\n" not in message
        assert len(message) <= SHORT_LINE, message


async def upload_works(running: Running) -> None:
    """The next client is served."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            running.url(f"/photo/{CAMERA.username}"),
            data=make_jpeg(7),
            headers=auth(CAMERA.username, CAMERA.password),
        ) as response,
    ):
        assert response.status == 200


@pytest.mark.parametrize("case", MALFORMED)
async def test_malformed_request_is_400_and_at_most_one_short_line(
    http_only: Running, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    """The HTTP parser refuses it with 400; the log gets one line without a traceback."""
    caplog.set_level(logging.DEBUG)
    answer = await exchange(http_only.http_port, MALFORMED[case])
    assert b" 400 Bad Request\r\n" in answer
    records = watched(caplog)
    assert len(records) <= 1
    assert_short_lines(records)
    await upload_works(http_only)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("case", CUT_OFF)
async def test_upload_cut_mid_body_logs_one_short_line(
    http_only: Running, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    """A camera losing Wi-Fi mid-upload: one INFO line naming the camera, nothing published."""
    caplog.set_level(logging.DEBUG)
    _, writer = await asyncio.open_connection("127.0.0.1", http_only.http_port)
    writer.write(CUT_OFF[case])
    await writer.drain()
    # Closed once the server has read what was sent (a camera's link going down).
    await asyncio.sleep(0.2)
    writer.close()
    await wait_for_record(caplog, lambda record: record.levelno >= logging.INFO)
    await upload_works(http_only)
    records = [record for record in watched(caplog) if record.levelno >= logging.INFO]
    assert len(records) == 1
    assert_short_lines(records)
    assert records[0].levelno == logging.INFO
    published = "frames published: 1" if case == "mjpeg" else "nothing published"
    assert f"cam28 from 127.0.0.1 cut off ({published})" in records[0].getMessage()
    assert "Traceback" not in caplog.text
    # The whole frame of the MJPEG push was published before the cut; nothing else was.
    assert len(http_only.collected.frames) == (2 if case == "mjpeg" else 1)


async def test_multipart_without_boundary_is_400(
    http_only: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """A curl with a bare multipart/form-data type: 400 naming the boundary; a broken form: 400."""
    caplog.set_level(logging.DEBUG)
    image = http_only.tmp_path / "snap.jpg"
    image.write_bytes(make_jpeg(2))
    url = http_only.url(f"/photo/{CAMERA.username}", user=CAMERA.username, password="x")
    url = url.replace(":x@", f":{CAMERA.password}@")
    code, out, _ = await run(
        "curl", "-sS", "-w", "%{http_code}", "-H", "Content-Type: multipart/form-data",
        "--data-binary", f"@{image}", url,
    )  # fmt: skip
    assert code == 0
    assert out.endswith("400")
    assert "boundary" in out
    code, out, _ = await run(
        "curl", "-sS", "-w", "%{http_code}", "-H", "Content-Type: multipart/form-data; boundary=XX",
        "--data-binary", "--YY\r\n\r\nnot the announced boundary\r\n--YY--\r\n", url,
    )  # fmt: skip
    assert code == 0
    assert out.endswith("400")
    assert "malformed multipart form" in out
    await upload_works(http_only)
    assert_short_lines(watched(caplog))
    assert "Traceback" not in caplog.text
    assert len(http_only.collected.frames) == 1


def test_a_bug_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Only a client's faults lose the traceback: anything else is a bug to see in full."""
    log = ClientFaultLog(logging.getLogger("custom_components.camupload.test_fault_log"))
    with caplog.at_level(logging.DEBUG):
        log.error("Error handling request from %s", "192.0.2.7", exc_info=RuntimeError("bug"))
        fault = BadHttpMessage("Invalid header token:\n\n  b'" + "x" * 500 + "'\n  ^")
        log.error("Error handling request from %s", "192.0.2.7", exc_info=fault)
    bug, client = caplog.records
    assert (bug.levelno, bug.exc_info is not None) == (logging.ERROR, True)
    assert (client.levelno, client.exc_info) == (logging.INFO, None)
    assert client.getMessage() == "Error handling request from 192.0.2.7: Invalid header token"
    assert len(client.getMessage()) < MAX_FAULT_TEXT


def test_fault_text_is_one_escaped_line_of_at_most_max_fault_text() -> None:
    """The client's text is cut at MAX_FAULT_TEXT characters, control characters escaped."""
    assert describe_fault(ValueError("y" * MAX_FAULT_TEXT)) == "y" * MAX_FAULT_TEXT
    assert describe_fault(ValueError("y" * (MAX_FAULT_TEXT + 1))) == "y" * MAX_FAULT_TEXT
    assert describe_fault(ValueError("bad\rline\x1b[2J\nsecond")) == "bad\\rline\\x1b[2J"
    assert describe_fault(ConnectionResetError()) == "ConnectionResetError"


# Names that would break the command's one line per frame, or rewrite it on a terminal.
FORGING_NAMES = [
    "a.jpg%0D%0A2026-01-01T00:00:00+00:00%20http%20cam28%20frame%201%20forged.jpg",
    "a.jpg%0A",
    "a%0Db",
    "a%00b",
    "a%0Bb",
    "a%1B%5B2Jb",
    "a%C2%85b",
    "a%E2%80%A8b",
]


async def test_command_prints_one_line_per_frame_whatever_the_name() -> None:
    """?name= with CR, LF or another control character is a 400; the rest print as one line."""
    http_port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE, "--camera", "cam28:cli-pass", "--ftp-port", "0",
        "--http-port", str(http_port),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    base = f"http://cam28:cli-pass@127.0.0.1:{http_port}/photo/cam28?name="
    jpeg = make_jpeg(8)

    async def curl(name: str) -> str:
        client = await asyncio.create_subprocess_exec(
            "curl", "-sS", "-w", "%{http_code}", "-T", "-", "-H", "Content-Type: image/jpeg",
            base + name, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await client.communicate(jpeg)
        return out.decode()

    try:
        await read_until(process.stderr, "http listening")
        answers = [await curl(name) for name in FORGING_NAMES]
        accepted = await curl("snap%20one.jpg")
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = await process.communicate()
    assert [answer[-3:] for answer in answers] == ["400"] * len(FORGING_NAMES)
    assert all("control characters" in answer for answer in answers)
    assert accepted.endswith("200")
    [line] = out.decode().splitlines()
    assert out.count(b"\n") == 1
    assert line.endswith(f" http cam28 frame {len(jpeg)} snap one.jpg")


def _expecting_head(name: str, length: int) -> bytes:
    return (
        f"POST /photo/cam28?name={name} HTTP/1.1\r\nHost: x\r\nAuthorization: {_AUTH}\r\n"
        f"Content-Type: image/jpeg\r\nContent-Length: {length}\r\n"
        "Expect: 100-continue\r\n\r\n"
    ).encode()


async def test_a_bad_name_is_refused_before_the_body_is_asked_for(http_only: Running) -> None:
    """With Expect: 100-continue the 400 comes instead of 100 Continue: no body is sent.

    Told to continue first, a client sends its body into a connection the server closes, and
    may get a reset instead of the 400 (curl then reports the 100 as its final status).
    """
    answer = await exchange(http_only.http_port, _expecting_head("a%0Ab", 1000))
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"100 Continue" not in answer
    assert answer.endswith(b"name must not hold control characters\n")


async def test_a_good_name_is_told_to_continue(http_only: Running) -> None:
    """The usual 100 Continue, then the photo, then 200."""
    jpeg = make_jpeg(9)
    reader, writer = await asyncio.open_connection("127.0.0.1", http_only.http_port)
    try:
        writer.write(_expecting_head("snap.jpg", len(jpeg)))
        async with asyncio.timeout(WAIT_SECONDS):
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(jpeg)
            status = await reader.readline()
    finally:
        writer.close()
    assert status == b"HTTP/1.1 200 OK\r\n"
    await http_only.collected.wait_for(1)
    assert http_only.collected.frames[0].file_name == "snap.jpg"
