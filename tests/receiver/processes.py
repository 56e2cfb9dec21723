"""Subprocesses the receiver tests start: the receiver's own command and real clients."""

import asyncio
import resource
import sys
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


# The command's own descriptors (standard streams, event loop, listener) fit well under this.
OPEN_FILES_LIMIT = 30


async def command_short_of_files(*arguments: str) -> asyncio.subprocess.Process:
    """The receiver command with arguments, allowed only OPEN_FILES_LIMIT open files."""

    def limit_open_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES_LIMIT, OPEN_FILES_LIMIT))

    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE, "--camera", "cam28:cli-pass", *arguments,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=limit_open_files,
    )  # fmt: skip


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # utime and stime, fields 14 and 15 of proc(5), counted after the command name.
    return int(fields[11]) + int(fields[12])
