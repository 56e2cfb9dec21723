"""Subprocesses the receiver tests start: the receiver's own command and real clients."""

import asyncio
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULE = "custom_components.camupload.receiver"


async def read_until(stream: asyncio.StreamReader, needle: str) -> list[str]:
    """Read lines until one contains needle."""
    lines: list[str] = []
    async with asyncio.timeout(30):
        while True:
            line = (await stream.readline()).decode()
            assert line, f"stream ended before {needle!r}: {lines}"
            lines.append(line.rstrip("\n"))
            if needle in line:
                return lines


async def run(*command: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run a client, return (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin)
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
