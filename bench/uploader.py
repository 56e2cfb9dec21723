"""Uploads/s of 100 KB files to vsftpd on loopback: streaming vs a connection per file vs curl.

Run by hand: `.venv/bin/python bench/uploader.py [COUNT]` (prints a table).
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from custom_components.camupload.uploader.model import OutgoingFile, RemoteFile  # noqa: E402
from custom_components.camupload.uploader.sender import open_sender  # noqa: E402
from tests.uploader.servers import vsftpd  # noqa: E402

FILE_SIZE = 100 * 1024
DEFAULT_COUNT = 100
MAX_COUNT = 1000  # bounded: the bench never runs away
TIME_LIMIT = 120.0  # seconds per method


async def _ours(server_dest: object, files: list[Path], *, streaming: bool) -> float:
    sender = open_sender(server_dest, streaming=streaming)  # type: ignore[arg-type]
    started = time.monotonic()
    try:
        for path in files:
            data = path.read_bytes()
            remote = RemoteFile(directory=("incoming", "ours"), name=path.name)
            await sender.upload(OutgoingFile(remote=remote, data=data))
            if time.monotonic() - started > TIME_LIMIT:
                break
    finally:
        await sender.close()
    return time.monotonic() - started


def _curl(port: int, files: list[Path]) -> float:
    script = (
        'for f in "$@"; do curl -s --ftp-create-dirs -T "$f" '
        f'"ftp://anonymous:bench@127.0.0.1:{port}/incoming/curl/" || exit 1; done'
    )
    started = time.monotonic()
    subprocess.run(
        ["bash", "-c", script, "bench", *map(str, files)], check=True, timeout=TIME_LIMIT
    )
    return time.monotonic() - started


def main() -> None:
    """Run the three methods over the same files and print uploads per second."""
    count = min(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_COUNT, MAX_COUNT)
    with tempfile.TemporaryDirectory() as work:
        tmp = Path(work)
        files = []
        for index in range(count):
            path = tmp / f"f{index:04d}.jpg"
            path.write_bytes(os.urandom(FILE_SIZE))
            files.append(path)
        server = vsftpd(tmp / "server")
        server.start()
        try:
            destination = server.destination()
            rows = [
                ("streaming session", asyncio.run(_ours(destination, files, streaming=True))),
                (
                    "new connection per file",
                    asyncio.run(_ours(destination, files, streaming=False)),
                ),
                ("curl -T in a shell loop", _curl(server.port, files)),
            ]
        finally:
            server.stop()
    rate = {name: count / seconds for name, seconds in rows}
    streaming = rate["streaming session"]
    print(f"{count} files of {FILE_SIZE // 1024} KB to vsftpd on 127.0.0.1\n")
    print(f"| {'method':<25} | {'seconds':>8} | {'uploads/s':>9} | {'streaming is':>12} |")
    print(f"|{'-' * 27}|{'-' * 10}|{'-' * 11}|{'-' * 14}|")
    for name, seconds in rows:
        ratio = f"{streaming / rate[name]:.1f}x" if name != "streaming session" else "-"
        print(f"| {name:<25} | {seconds:>8.2f} | {rate[name]:>9.1f} | {ratio:>12} |")


if __name__ == "__main__":
    main()
