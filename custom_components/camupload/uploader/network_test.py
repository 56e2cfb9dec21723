"""MOBOTIX-style network test: each step, its outcome and what the server said."""

import asyncio
import socket
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from .errors import UploadError
from .ftp_client import DEFAULT_TIMEOUT, FtpClient
from .http_client import HttpSender
from .model import Destination, OutgoingFile, RemoteFile

TEST_FILE_NAME = "camupload-test.jpg"
TEST_TEMPORARY_NAME = "camupload-test.tmp"
# A real 1x1 grey JPEG (159 bytes, made with Pillow): servers that check images accept it too.
TEST_DATA = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318"
    "281a181616183123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d"
    "71797064785c656763ffc0000b080001000101011100ffc400140001000000000000000000000000"
    "00000000ffc40014100100000000000000000000000000000000ffda0008010100003f003fffd9"
)


@dataclass(frozen=True, kw_only=True)
class NetworkTestStep:
    """One step of the test: what was tried, whether it worked, and the detail."""

    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True, kw_only=True)
class NetworkTestLog:
    """The whole log; `ok` only when every step passed."""

    steps: tuple[NetworkTestStep, ...]

    @property
    def ok(self) -> bool:
        """Whether every step passed."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def failed_step(self) -> NetworkTestStep | None:
        """The step that failed, if any."""
        return next((step for step in self.steps if not step.ok), None)

    def lines(self) -> list[str]:
        """The log as text lines, one per step."""
        return [
            f"{'OK  ' if step.ok else 'FAIL'} {step.name}: {step.detail} ({step.seconds:.3f} s)"
            for step in self.steps
        ]


class _Recorder:
    def __init__(self) -> None:
        self.steps: list[NetworkTestStep] = []

    async def run[T](self, name: str, action: Awaitable[T]) -> T:
        started = time.monotonic()
        try:
            result = await action
        except UploadError as err:
            self.steps.append(
                NetworkTestStep(
                    name=name, ok=False, detail=str(err), seconds=time.monotonic() - started
                )
            )
            raise
        self.steps.append(
            NetworkTestStep(
                name=name, ok=True, detail=_describe(result), seconds=time.monotonic() - started
            )
        )
        return result


def _describe(result: object) -> str:
    if result is None or result is True:
        return "done"
    if result is False:
        return "nothing to do"
    return str(result)


async def _resolve(host: str, port: int) -> str:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        msg = f"Cannot resolve {host!r}: {exc}"
        raise UploadError(msg) from exc
    return ", ".join(sorted({str(info[4][0]) for info in infos}))


async def run_network_test(
    destination: Destination,
    directory: tuple[str, ...] = (),
    *,
    io_timeout: float = DEFAULT_TIMEOUT,
) -> NetworkTestLog:
    """Try every step of an upload and report each; stops at the first failure.

    Args:
        destination: where to test (after `UploadProfile.resolve`).
        directory: the rendered directory the profile would use.
        io_timeout: seconds allowed per network operation.
    """
    recorder = _Recorder()
    try:
        await recorder.run("resolve", _resolve(destination.host, destination.effective_port))
        if destination.protocol.is_ftp:
            await _test_ftp(recorder, destination, directory, io_timeout)
        else:
            file = OutgoingFile(remote=RemoteFile(name=TEST_FILE_NAME), data=TEST_DATA)
            sender = HttpSender(destination, timeout=io_timeout)
            try:
                await recorder.run(
                    f"{destination.http_method} {destination.url}", _sent(sender, file)
                )
            finally:
                await sender.close()
    except UploadError:
        pass
    return NetworkTestLog(steps=tuple(recorder.steps))


async def _sent(sender: HttpSender, file: OutgoingFile) -> str:
    result = await sender.upload(file)
    return f"{result.size} bytes accepted"


async def _test_ftp(
    recorder: _Recorder, destination: Destination, directory: tuple[str, ...], io_timeout: float
) -> None:
    client = FtpClient(destination, timeout=io_timeout)
    try:
        where = f"{destination.host}:{destination.effective_port}"
        await recorder.run(f"connect to {where}", _welcome(client))
        await recorder.run(f"log in as {destination.username or 'anonymous'}", client.login())
        await recorder.run(f"directory /{'/'.join(directory)}", client.change_directory(directory))
        mode = "passive" if destination.passive else "active"
        await recorder.run(
            f"store {TEST_TEMPORARY_NAME} ({mode})", client.store(TEST_TEMPORARY_NAME, TEST_DATA)
        )
        await recorder.run(
            f"rename to {TEST_FILE_NAME}", client.rename(TEST_TEMPORARY_NAME, TEST_FILE_NAME)
        )
        await recorder.run(f"delete {TEST_FILE_NAME}", client.delete(TEST_FILE_NAME))
    finally:
        await client.quit()


async def _welcome(client: FtpClient) -> str:
    reply = await client.connect()
    return str(reply)
