"""A profile buffering a receiver camera's frames follows that camera through live changes.

A profile keeps frames from before an event out of receiver camera B (camera.back_yard). B is
removed and added again with the same name while everything runs, then the receiver is
reloaded; frames uploaded to B must reach the profile's buffer by push each time. A profile
whose camera comes from a receiver set up after it gets pushed frames too.
"""

from datetime import timedelta
from types import MappingProxyType

import aiohttp
import pytest
from aiohttp import BasicAuth
from freezegun.api import TickingDateTimeFactory
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import CONF_IDLE_AFTER, DOMAIN, SUBENTRY_CAMERA
from custom_components.camupload.runtime import receiver_hub, uploader_hub
from custom_components.camupload.uploader_ha.clip_frames import FrameBuffer, FrameCollector
from tests.ports import free_port
from tests.profile_setup import UNREACHABLE, profile_subentry, server_entry, wait_until
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

B_NAME = "Back yard"
B_USERNAME = "back_yard"
B_PASSWORD = "b-Passw0rd"
B_ENTITY = "camera.back_yard"


def _camera_b() -> ConfigSubentry:
    """Camera B as the camera subentry flow stores it; each call is a new subentry."""
    return ConfigSubentry(
        data=MappingProxyType({CONF_USERNAME: B_USERNAME, CONF_PASSWORD: B_PASSWORD}),
        subentry_type=SUBENTRY_CAMERA,
        title=B_NAME,
        unique_id=B_USERNAME,
    )


async def _add_b(hass: HomeAssistant, receiver: MockConfigEntry) -> ConfigSubentry:
    """Add B live; its camera entity is camera.back_yard."""
    camera = _camera_b()
    assert hass.config_entries.async_add_subentry(receiver, camera)
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id("camera", DOMAIN, camera.subentry_id)
    assert entity_id == B_ENTITY
    return camera


async def _upload_reaches_buffer(
    client: aiohttp.ClientSession,
    buffer: FrameBuffer,
    freezer: TickingDateTimeFactory,
    seed: int,
    login: tuple[str, str] = (B_USERNAME, B_PASSWORD),
) -> None:
    """Upload a photo as a camera (B unless login says) over HTTP; it reaches the buffer."""
    # The buffer keeps at most one frame per interval: let the previous one age.
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=buffer.interval))
    jpeg = make_jpeg(seed)
    username, password = login
    response = await client.post(
        f"/photo/{username}", data=jpeg, auth=BasicAuth(username, password)
    )
    assert response.status == 200
    await wait_until(lambda: buffer.frames() and buffer.frames()[-1].data == jpeg)


def _pushed(collector: FrameCollector) -> bool:
    """Whether collector takes pushed frames now (a call: mypy would narrow the property)."""
    return collector.pushed


async def _load_profile_of(hass: HomeAssistant, camera: str) -> tuple[FrameCollector, FrameBuffer]:
    """Set up a server entry whose one profile keeps frames from before an event of camera."""
    profile = profile_subentry(
        name="Clips", camera=camera, file_type="clip_jpeg", seconds_before=2.0, frame_rate=10.0
    )
    server = server_entry(UNREACHABLE, profile)
    server.add_to_hass(hass)
    assert await hass.config_entries.async_setup(server.entry_id)
    await hass.async_block_till_done()
    uploader = uploader_hub(server)
    assert uploader is not None
    (runner,) = uploader.runners.values()
    assert runner._collector is not None
    assert runner.buffer is not None
    return runner._collector, runner.buffer


# The clock runs on (tick) while uploads travel over loopback; the test moves it past the
# buffer's frame interval.
@pytest.mark.freeze_time(tick=True)
async def test_profile_buffer_follows_receiver_camera(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: TickingDateTimeFactory,
) -> None:
    """B removed and re-added live, then a receiver reload: the buffer is pushed B's frames."""
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    camera_b = await _add_b(hass, receiver)

    collector, buffer = await _load_profile_of(hass, B_ENTITY)
    assert _pushed(collector)
    client = await hass_client_no_auth()
    await _upload_reaches_buffer(client, buffer, freezer, 1)

    # B goes: its feed closes, and nothing is left to push from.
    hass.config_entries.async_remove_subentry(receiver, camera_b.subentry_id)
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get(B_ENTITY) is None
    assert not _pushed(collector)

    # B comes back under the same name, so the same entity id, with a new feed.
    await _add_b(hass, receiver)
    assert _pushed(collector)
    await _upload_reaches_buffer(client, buffer, freezer, 2)

    # A reload (a changed receiver setting) gives every camera a new feed under the same
    # entities: no registry event tells, the receiver's start does.
    hass.config_entries.async_update_entry(
        receiver, options={**receiver.options, CONF_IDLE_AFTER: 45}
    )
    await hass.async_block_till_done()
    hub = receiver_hub(receiver)
    assert hub is not None
    assert hub.settings.idle_after == timedelta(seconds=45)
    assert _pushed(collector)
    await _upload_reaches_buffer(client, buffer, freezer, 3)


@pytest.mark.freeze_time(tick=True)
async def test_profile_buffer_takes_a_receiver_set_up_later(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: TickingDateTimeFactory,
) -> None:
    """A profile whose camera is not there yet gets its frames pushed once a receiver adds it."""
    collector, buffer = await _load_profile_of(hass, CAMERA_ENTITY)
    assert not _pushed(collector)

    # The receiver's camera entities are registered for the first time while it sets up.
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    assert _pushed(collector)
    client = await hass_client_no_auth()
    await _upload_reaches_buffer(client, buffer, freezer, 1, login=(USERNAME, PASSWORD))
