"""Fixtures shared by the whole test suite."""

import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component import common

from custom_components.camupload.const import DOMAIN

# Home Assistant's frame helper logs here when an integration uses an API the wrong way or a
# deprecated one ("Detected that custom integration 'camupload' ...").
FRAME_LOGGER = "homeassistant.helpers.frame"


def is_deprecation_report(record: logging.LogRecord) -> bool:
    """Whether Home Assistant reports camupload (or unidentified code) for a deprecated use.

    The frame helper logs under its own logger; helpers.deprecation logs under the deprecated
    object's module ("The deprecated function X was called from camupload. ...").
    """
    if record.levelno < logging.WARNING:
        return False
    message = record.getMessage()
    if record.name == FRAME_LOGGER:
        return True
    return "deprecated" in message.lower() and DOMAIN in message


class DeprecationWatch(logging.Handler):
    """Collects the deprecation reports logged while a test runs."""

    def __init__(self) -> None:
        """Start with no reports."""
        super().__init__(level=logging.WARNING)
        self.reports: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it is a deprecation report."""
        if is_deprecation_report(record):
            self.reports.append(record)


@pytest.fixture(autouse=True)
def fail_on_deprecations() -> Iterator[DeprecationWatch]:
    """Fail any test during which Home Assistant reports a deprecated use by camupload."""
    watch = DeprecationWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
    if watch.reports:
        pytest.fail(
            "Home Assistant reported deprecated usage:\n"
            + "\n".join(f"{record.name}: {record.getMessage()}" for record in watch.reports),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(own_config_dir: Path, enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/camupload in every test.

    Asks for own_config_dir first: enabling creates the test's Home Assistant.
    """
    del own_config_dir, enable_custom_integrations


@pytest.fixture(autouse=True)
def own_config_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Give each test's Home Assistant a configuration folder of its own.

    The plugin's default is one folder inside the installed package, shared by every test
    process on the machine: spools, last frames and archives of parallel runs would meet there.
    """
    folder = tmp_path_factory.mktemp("config")

    def config_path(*parts: str) -> str:
        return os.path.join(folder, *parts)  # noqa: PTH118 - the plugin's own signature

    monkeypatch.setattr(common, "get_test_config_dir", config_path)
    return folder


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
