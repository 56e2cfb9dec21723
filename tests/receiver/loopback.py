"""A receiver on loopback for the tests, and what its sink collected."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from custom_components.camupload.receiver import (
    Account,
    ReceivedFile,
    ReceivedFrame,
    Receiver,
    ReceiverConfig,
)

CAMERA = Account("cam28", "l4hqpy0ywm", "front-door")
OTHER = Account("cam29", "an0ther-pass", "garden")
TEST_LOGIN_DELAY = 0.05
WAIT_SECONDS = 10.0


@dataclass
class Collected:
    """What the sink received, and failed logins reported."""

    items: list[ReceivedFrame | ReceivedFile] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def frames(self) -> list[ReceivedFrame]:
        """Frames only."""
        return [item for item in self.items if isinstance(item, ReceivedFrame)]

    @property
    def files(self) -> list[ReceivedFile]:
        """Non-JPEG files only."""
        return [item for item in self.items if isinstance(item, ReceivedFile)]

    def sink(self, item: ReceivedFrame | ReceivedFile) -> None:
        """Receiver sink."""
        self.items.append(item)
        self.arrived.set()

    def on_failure(self, username: str, address: str, source: str) -> None:
        """Auth-failure callback."""
        self.failures.append((username, address, source))

    async def wait_for(self, count: int) -> None:
        """Wait until count items arrived."""
        async with asyncio.timeout(WAIT_SECONDS):
            while len(self.items) < count:
                self.arrived.clear()
                await self.arrived.wait()


@dataclass
class Running:
    """A started receiver and what it delivered."""

    receiver: Receiver
    collected: Collected
    tmp_path: Path

    @property
    def ftp_port(self) -> int:
        """Bound FTP port."""
        assert self.receiver.ftp_port is not None
        return self.receiver.ftp_port

    @property
    def http_port(self) -> int:
        """Bound HTTP port."""
        assert self.receiver.http_port is not None
        return self.receiver.http_port

    def url(self, path: str, *, user: str | None = None, password: str | None = None) -> str:
        """An HTTP URL on the receiver, with optional credentials."""
        auth = f"{user}:{password}@" if user is not None else ""
        return f"http://{auth}127.0.0.1:{self.http_port}{path}"


def receiver_config(**overrides: object) -> ReceiverConfig:
    """A config on free loopback ports with a short login delay."""
    values: dict[str, object] = {
        "ftp_port": 0,
        "http_port": 0,
        "login_delay": TEST_LOGIN_DELAY,
    }
    values.update(overrides)
    return ReceiverConfig(**values)  # type: ignore[arg-type]


async def start_receiver(tmp_path: Path, **overrides: object) -> Running:
    """Start a receiver with the two test cameras."""
    collected = Collected()
    receiver = Receiver(
        receiver_config(**overrides),
        [CAMERA, OTHER],
        collected.sink,
        on_auth_failure=collected.on_failure,
    )
    await receiver.start()
    return Running(receiver, collected, tmp_path)


async def wait_until(condition: Callable[[], bool]) -> None:
    """Wait until condition() is true."""
    async with asyncio.timeout(WAIT_SECONDS):
        # Counters of the server's own tasks: nothing to wait on but time.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def run_ftp_scenario[T](
    tmp_path: Path, scenario: Callable[[int], T], **overrides: object
) -> tuple[T, Running]:
    """Start an FTP-only receiver, run a blocking client scenario on its port, stop it.

    Returns what the scenario returned and the stopped receiver, with what it delivered.
    """
    started = await start_receiver(tmp_path, http_port=None, **overrides)
    try:
        return await asyncio.to_thread(scenario, started.ftp_port), started
    finally:
        await started.receiver.stop()
