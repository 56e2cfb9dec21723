"""Loopback sockets for every uploader test, and the FTP servers they talk to."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.uploader.servers import FtpServer, proftpd, pure_ftpd, vsftpd


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Allow loopback sockets in this folder's tests."""
    for item in items:
        if "tests/uploader/" in str(item.path):
            item.add_marker(pytest.mark.enable_socket)


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Every uploader test may open loopback sockets."""
    del socket_enabled


def _run(server: FtpServer) -> Iterator[FtpServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def vsftpd_tls_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd that requires explicit TLS, with a self-signed certificate."""
    yield from _run(vsftpd(tmp_path, tls=True))


@pytest.fixture
def pure_ftpd_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A pure-ftpd with a puredb virtual user."""
    yield from _run(pure_ftpd(tmp_path))


@pytest.fixture
def proftpd_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A proftpd with an AuthUserFile virtual user."""
    yield from _run(proftpd(tmp_path))


@pytest.fixture
def no_overwrite_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A proftpd that refuses renaming over (or storing over) an existing file, like IIS."""
    yield from _run(proftpd(tmp_path, allow_overwrite=False))


@pytest.fixture(params=["vsftpd", "pure-ftpd", "proftpd"])
def any_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FtpServer]:
    """Each of the three servers in turn."""
    factories = {"vsftpd": vsftpd, "pure-ftpd": pure_ftpd, "proftpd": proftpd}
    yield from _run(factories[request.param](tmp_path))
