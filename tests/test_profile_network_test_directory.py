"""The network test of a profile whose directory needs a value only an action gives.

`$(USER.SITE)` is filled in by the upload action's variables; the test button has none, so it
tests the login directory instead of failing before it reaches the server. Against a real
pure-ftpd, whose login directory is writable.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant

from tests.profile_setup import (
    ftp_answers,
    load_profile,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer, pure_ftpd

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


@pytest.fixture
def pure_ftpd_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A pure-ftpd with one virtual user, whose login directory is writable."""
    server = pure_ftpd(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_directory_with_an_action_variable_tests_the_login_directory(
    hass: HomeAssistant, pure_ftpd_server: FtpServer
) -> None:
    """Every step passes, in "/", and nothing is left behind there."""
    await setup_camera(hass)
    profile = profile_subentry(directory="sites/$(USER.SITE)", file_name="snap.jpg")
    runner = await load_profile(hass, server_entry(ftp_answers(pure_ftpd_server), profile))

    log = await runner.async_network_test()

    assert log.ok, log.lines()
    assert "directory /" in [step.name for step in log.steps]
    assert list(pure_ftpd_server.files.iterdir()) == []
    assert runner.status.last_error is None
