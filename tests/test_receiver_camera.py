"""A receiver camera in Home Assistant, fed by real clients on loopback."""

import asyncio
import ftplib
import io

import pytest
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.camupload.placeholder import placeholder_jpeg
from tests.conftest import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, next_image, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def test_ftp_upload_reaches_the_camera_entity(hass: HomeAssistant) -> None:
    """A JPEG stored over FTP becomes the camera's image and fires the event."""
    port = free_port()
    entry = receiver_entry(port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    before = await async_get_image(hass, CAMERA_ENTITY)
    assert before.content == placeholder_jpeg()

    arrived = next_image(hass)
    jpeg = make_jpeg(7)

    def upload() -> None:
        with ftplib.FTP() as ftp:
            ftp.connect("127.0.0.1", port, timeout=10)
            ftp.login(USERNAME, PASSWORD)
            ftp.set_pasv(True)
            ftp.storbinary("STOR snapshot.jpg", io.BytesIO(jpeg))

    await hass.async_add_executor_job(upload)
    async with asyncio.timeout(10):
        event = await arrived

    image = await async_get_image(hass, CAMERA_ENTITY)
    assert image.content == jpeg
    assert event.data["source"] == "ftp"
    assert event.data["file_name"] == "snapshot.jpg"
    assert event.data["size"] == len(jpeg)
    assert event.data["entity_id"] == CAMERA_ENTITY
    state = hass.states.get(CAMERA_ENTITY)
    assert state is not None
    assert state.state == "streaming"
    assert state.attributes["source"] == "ftp"
    last_upload = hass.states.get("sensor.front_door_last_upload")
    assert last_upload is not None
    assert last_upload.state not in ("unknown", "unavailable")
    online = hass.states.get("binary_sensor.front_door_connectivity")
    assert online is not None
    assert online.state == "on"

    assert await hass.config_entries.async_unload(entry.entry_id)
