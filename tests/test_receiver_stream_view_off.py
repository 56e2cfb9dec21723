"""A camera pushing an MJPEG stream to Home Assistant's port when the receiver does not serve it.

The receiver answers uploads on Home Assistant's own port only while its "Receive HTTP uploads
on Home Assistant's port" option is on; off, a stream gets 404 with the reason in its body.
"""

import pytest
from aiohttp import BasicAuth
from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import CONF_HTTP_ON_HA
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

PART = b"--frame\r\nContent-Type: image/jpeg\r\n\r\n%s\r\n"


async def test_stream_to_home_assistant_port_when_not_served(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Off: 404 saying so; on again (a reload): the same stream reaches the camera."""
    entry = receiver_entry(free_port(), **{CONF_HTTP_ON_HA: False})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    stream = PART % make_jpeg(1) + PART % make_jpeg(2)
    headers = {"Content-Type": "multipart/x-mixed-replace; boundary=frame"}

    response = await client.post(
        f"/upload/{USERNAME}", data=stream, headers=headers, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 404
    assert "does not receive HTTP uploads" in await response.text()

    hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_HTTP_ON_HA: True})
    await hass.async_block_till_done()
    response = await client.post(
        f"/upload/{USERNAME}", data=stream, headers=headers, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == make_jpeg(2)
