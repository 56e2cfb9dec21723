"""Receiver benchmark (run by hand): prints a table of throughput ratios.

    .venv/bin/python bench/receiver.py [--seconds 3]

1. HTTP photo uploads/s (100 KB JPEG, 16 concurrent clients) vs a bare aiohttp handler
   that only reads the body. Every server gets an untimed warm-up first.
2. FTP: 16 accounts, one curl process per account uploading many 100 KB files over one
   login, against this receiver and pyftpdlib (each a Python process of its own) and
   vsftpd (files on tmpfs for the latter two); best of 5 rounds for each server, and the
   CPU time the two Python servers spent per file over those rounds.
3. MJPEG push ingest frames/s (50 KB frames) for 1 and 32 streams, and the frame splitter's
   MB/s against a plain bytes.find scan of the same data.
"""

import argparse
import asyncio
import io
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from custom_components.camupload.receiver import (  # noqa: E402
    Account,
    FrameSplitter,
    ReceivedFile,
    ReceivedFrame,
    Receiver,
    ReceiverConfig,
)

CLIENTS = 16
STREAMS = 32
FTP_FILES_PER_CLIENT = 40
FTP_ROUNDS = 5
PHOTO_SIZE = 100_000
FRAME_SIZE = 50_000
# Untimed warm-up before each measured run (connections, caches, first logins).
WARM_UP_SECONDS = 0.5
WARM_UP_FILES = 4
TMPFS = Path("/dev/shm")  # noqa: S108 - tmpfs for the servers under comparison


def jpeg_of_size(size: int) -> bytes:
    """A real JPEG close to size bytes (noise, tuned by side length)."""
    side = 64
    while True:
        buffer = io.BytesIO()
        Image.effect_noise((side, side), 60).convert("RGB").save(buffer, "JPEG", quality=90)
        if buffer.tell() >= size:
            return buffer.getvalue()
        side += 16


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Counter:
    """A sink that only counts."""

    def __init__(self) -> None:
        """Start at zero."""
        self.count = 0

    def __call__(self, item: ReceivedFrame | ReceivedFile) -> None:
        """Count one item."""
        del item
        self.count += 1


async def http_load(url: str, body: bytes, seconds: float, auth: aiohttp.BasicAuth | None) -> float:
    """Uploads per second from CLIENTS concurrent clients."""
    done = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector, auth=auth) as session:

        async def client() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                async with session.post(url, data=body) as response:
                    await response.read()
                    if response.status == 200:
                        done += 1

        began = time.monotonic()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        return done / (time.monotonic() - began)


async def timed_http_load(url: str, body: bytes, seconds: float) -> float:
    """Uploads per second after an untimed warm-up; both sides get the same requests."""
    # Same client, same headers for both: the bare handler just ignores the credentials.
    auth = aiohttp.BasicAuth("cam", "pw")
    await http_load(url, body, WARM_UP_SECONDS, auth)
    return await http_load(url, body, seconds, auth)


async def bench_http(seconds: float) -> tuple[float, float]:
    """Receiver photo endpoint vs a bare handler, uploads/s."""
    photo = jpeg_of_size(PHOTO_SIZE)
    receiver = Receiver(
        ReceiverConfig(ftp_port=None, http_port=0), [Account("cam", "pw", "cam")], Counter()
    )
    await receiver.start()
    try:
        ours = await timed_http_load(
            f"http://127.0.0.1:{receiver.http_port}/photo/cam", photo, seconds
        )
    finally:
        await receiver.stop()

    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="OK")

    app = web.Application(client_max_size=1 << 24)
    app.router.add_post("/photo/{name}", bare)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        baseline = await timed_http_load(f"http://127.0.0.1:{port}/photo/cam", photo, seconds)
    finally:
        await runner.cleanup()
    return ours, baseline


@dataclass
class FtpResult:
    """One server's FTP figures: best files/s, and server CPU per file over all rounds."""

    rate: float
    cpu_ms: float | None


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are the 14th and 15th fields; fields[0] here is the 3rd.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def curl_uploads(
    port: int, users: list[tuple[str, str]], files: list[Path], remote: str, pid: int | None
) -> FtpResult:
    """Best files/s of FTP_ROUNDS rounds after an untimed warm-up round, and CPU per file."""
    await curl_round(port, users, files[:WARM_UP_FILES], remote)
    cpu_before = process_cpu_seconds(pid) if pid else 0.0
    # Single rounds swing widely here (pyftpdlib from about 500/s to 2000/s): each server
    # is credited with its best round, which keeps the baseline at its fastest.
    rates = [await curl_round(port, users, files, remote) for _ in range(FTP_ROUNDS)]
    cpu_ms = None
    if pid:
        uploads = FTP_ROUNDS * len(users) * len(files)
        cpu_ms = (process_cpu_seconds(pid) - cpu_before) * 1000 / uploads
    return FtpResult(max(rates), cpu_ms)


async def curl_round(
    port: int, users: list[tuple[str, str]], files: list[Path], remote: str
) -> float:
    """Files/s for one curl process per user, each sending every file over one login."""
    names = ",".join(str(path) for path in files)
    began = time.monotonic()
    processes = [
        await asyncio.create_subprocess_exec(
            "curl",
            "-sS",
            "--ftp-pasv",
            "-T",
            f"{{{names}}}",
            f"ftp://{user}:{password}@127.0.0.1:{port}/{remote}",
            stdout=asyncio.subprocess.DEVNULL,
        )
        for user, password in users
    ]
    codes = [await process.wait() for process in processes]
    elapsed = time.monotonic() - began
    if any(codes):
        msg = f"curl failed: {codes}"
        raise RuntimeError(msg)
    return len(users) * len(files) / elapsed


# Both Python servers run as processes of their own, started the same way.
RECEIVER_SERVER = """
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from custom_components.camupload.receiver import Account, Receiver, ReceiverConfig
port, count = int(sys.argv[1]), int(sys.argv[2])
async def main():
    config = ReceiverConfig(ftp_port=port, http_port=None, max_connections_per_address=64)
    accounts = [Account(f"u{index}", "pw", f"u{index}") for index in range(count)]
    receiver = Receiver(config, accounts, lambda item: None)
    await receiver.start()
    await asyncio.Event().wait()
asyncio.run(main())
"""

PYFTPDLIB_SERVER = """
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
import logging
logging.disable(logging.CRITICAL)
port, count, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
authorizer = DummyAuthorizer()
for index in range(count):
    home = f"{root}/u{index}"
    __import__("os").makedirs(home, exist_ok=True)
    authorizer.add_user(f"u{index}", "pw", home, perm="elradfmw")
FTPHandler.authorizer = authorizer
FTPServer(("127.0.0.1", port), FTPHandler).serve_forever()
"""


async def wait_listening(port: int) -> None:
    """Wait until something accepts on the port."""
    async with asyncio.timeout(10):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return


async def python_server_uploads(script: str, argument: str, files: list[Path]) -> FtpResult:
    """Run a Python FTP server script in its own process and load it with curl."""
    users = [(f"u{index}", "pw") for index in range(CLIENTS)]
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, str(port), str(CLIENTS), argument
    )
    try:
        await wait_listening(port)
        return await curl_uploads(port, users, files, "", server.pid)
    finally:
        server.kill()
        await server.wait()


async def bench_ftp(files: list[Path]) -> dict[str, FtpResult]:
    """Files/s for the receiver, pyftpdlib and vsftpd under the same curl load."""
    results = {
        "camupload receiver (memory)": await python_server_uploads(
            RECEIVER_SERVER, str(REPO), files
        )
    }
    with tempfile.TemporaryDirectory(dir=TMPFS) as root:
        results["pyftpdlib (tmpfs)"] = await python_server_uploads(PYFTPDLIB_SERVER, root, files)

    try:
        from tests.uploader.servers import vsftpd  # noqa: PLC0415 - reuse the uploader tests' vsftpd

        with tempfile.TemporaryDirectory(dir=TMPFS) as root:
            vs = vsftpd(Path(root))
            vs.start()
            try:
                anonymous = [("anonymous", "bench")] * CLIENTS
                # A process per session: no single process's CPU to read.
                results["vsftpd (tmpfs, anonymous)"] = await curl_uploads(
                    vs.port, anonymous, files, "incoming/", None
                )
            finally:
                vs.stop()
    except Exception as err:  # noqa: BLE001 - report and go on: vsftpd may be absent
        print(f"vsftpd skipped: {err}", file=sys.stderr)
    return results


async def mjpeg_push(url: str, frame: bytes, count: int) -> None:
    """Push count frames as one raw MJPEG stream."""

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield frame

    async with (
        aiohttp.ClientSession(auth=aiohttp.BasicAuth("cam", "pw")) as session,
        session.post(url, data=body()) as response,
    ):
        await response.read()


async def bench_mjpeg(seconds: float) -> tuple[float, float]:
    """Frames/s ingested for 1 stream and for STREAMS streams."""
    frame = jpeg_of_size(FRAME_SIZE)
    counter = Counter()
    receiver = Receiver(
        ReceiverConfig(ftp_port=None, http_port=0, max_connections_per_account=STREAMS * 2),
        [Account("cam", "pw", "cam")],
        counter,
    )
    await receiver.start()
    url = f"http://127.0.0.1:{receiver.http_port}/upload/cam"
    rates = []
    try:
        for streams in (1, STREAMS):
            per_stream = max(int(2000 * seconds / streams), 20)
            counter.count = 0
            began = time.monotonic()
            await asyncio.gather(*(mjpeg_push(url, frame, per_stream) for _ in range(streams)))
            rates.append(counter.count / (time.monotonic() - began))
    finally:
        await receiver.stop()
    return rates[0], rates[1]


def naive_split(chunks: list[bytes]) -> int:
    """The baseline: find FFD8 and FFD9 with bytes.find, no structure."""
    buffer = b""
    frames = 0
    for chunk in chunks:
        buffer += chunk
        while True:
            start = buffer.find(b"\xff\xd8")
            end = buffer.find(b"\xff\xd9", start + 2) if start >= 0 else -1
            if end < 0:
                break
            frames += 1
            buffer = buffer[end + 2 :]
    return frames


def best_rate(run: Callable[[], int], megabytes: float, repeats: int = 5) -> float:
    """MB/s of the best of a few runs."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return megabytes / best


def bench_splitter() -> tuple[float, float]:
    """Splitter MB/s vs bytes.find MB/s over the same 64 KiB chunks."""
    frame = jpeg_of_size(FRAME_SIZE)
    stream = (b"--b\r\nContent-Type: image/jpeg\r\n\r\n" + frame + b"\r\n") * 400
    chunks = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
    megabytes = len(stream) / 1e6

    def ours() -> int:
        splitter = FrameSplitter()
        return sum(len(splitter.feed(chunk)) for chunk in chunks)

    if ours() != 400:
        msg = "splitter lost frames"
        raise RuntimeError(msg)
    return best_rate(ours, megabytes), best_rate(lambda: naive_split(chunks), megabytes)


async def main() -> None:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of timed loops")
    seconds = parser.parse_args().seconds
    rows: list[tuple[str, str, str]] = []

    ours, bare = await bench_http(seconds)
    rows.append(
        (
            "HTTP photo 100 KB, 16 clients",
            f"{ours:.0f}/s vs bare aiohttp {bare:.0f}/s",
            f"{ours / bare:.2f}x",
        )
    )

    with tempfile.TemporaryDirectory(dir=TMPFS) as directory:
        photo = jpeg_of_size(PHOTO_SIZE)
        files = []
        for index in range(FTP_FILES_PER_CLIENT):
            path = Path(directory) / f"SensrCam{index:04d}.jpg"
            path.write_bytes(photo)
            files.append(path)
        ftp = await bench_ftp(files)
    ours_ftp = ftp.pop("camupload receiver (memory)")
    for name, theirs in ftp.items():
        cpu = ""
        if ours_ftp.cpu_ms is not None and theirs.cpu_ms is not None:
            cpu = f" (server CPU {ours_ftp.cpu_ms:.2f} vs {theirs.cpu_ms:.2f} ms/file)"
        rows.append(
            (
                f"FTP 16 curl x {FTP_FILES_PER_CLIENT} STOR 100 KB",
                f"receiver {ours_ftp.rate:.0f}/s vs {name} {theirs.rate:.0f}/s{cpu}",
                f"{ours_ftp.rate / theirs.rate:.2f}x",
            )
        )

    one, many = await bench_mjpeg(seconds)
    rows.append(("MJPEG push 50 KB frames, 1 stream", f"{one:.0f} frames/s", "-"))
    rows.append((f"MJPEG push 50 KB frames, {STREAMS} streams", f"{many:.0f} frames/s", "-"))
    split, naive = bench_splitter()
    rows.append(
        ("Splitter vs bytes.find", f"{split:.0f} MB/s vs {naive:.0f} MB/s", f"{split / naive:.2f}x")
    )

    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("measure", "result", "ratio")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    asyncio.run(main())
