"""A profile's "Uploads today" counts from local midnight, against a real vsftpd."""

from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from tests.profile_setup import (
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def test_uploads_today_starts_again_after_midnight(
    hass: HomeAssistant, vsftpd_server: FtpServer, freezer: FrozenDateTimeFactory
) -> None:
    """Two uploads before midnight count 2; the first one after it counts 1."""
    midnight = dt_util.start_of_local_day(dt_util.now() + timedelta(days=1))
    freezer.move_to(midnight - timedelta(minutes=5))
    await setup_camera(hass)
    profile = profile_subentry(directory="incoming", file_name="{{ now().minute }}.jpg")
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    sensor = profile_entity(hass, runner, "uploads_today", "sensor")

    await runner.async_upload()
    freezer.tick(timedelta(minutes=1))
    await runner.async_upload()
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "2"  # type: ignore[union-attr]

    freezer.move_to(midnight + timedelta(minutes=5))
    await runner.async_upload()
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "1"  # type: ignore[union-attr]
    assert runner.status.day == midnight.date()
    assert sorted(path.name for path in vsftpd_server.path().iterdir()) == [
        "5.jpg",
        "55.jpg",
        "56.jpg",
    ]
