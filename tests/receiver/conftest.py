"""Loopback sockets for every receiver test, and a running receiver to talk to."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.receiver.loopback import Running, start_receiver


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Allow loopback sockets in this folder's tests."""
    for item in items:
        if "tests/receiver/" in str(item.path):
            item.add_marker(pytest.mark.enable_socket)


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Every receiver test may open loopback sockets."""
    del socket_enabled


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """A receiver with FTP and HTTP on free ports."""
    started = await start_receiver(tmp_path)
    try:
        yield started
    finally:
        await started.receiver.stop()
