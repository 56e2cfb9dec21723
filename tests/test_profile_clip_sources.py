"""Where a clip profile's frames come from: the frame rate it keeps, and cameras that come and go.

A clip profile keeps frames from before an event: pushed by a camupload receiver camera, or
polled from any other camera. These tests follow that source through a receiver turned off and
on, a renamed camera, an action naming something that is no camera, and a plain upload.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import BasicAuth
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import DOMAIN
from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader.clip import MAX_CLIP_FRAMES
from custom_components.camupload.uploader_ha.clip_frames import (
    FrameBuffer,
    FrameCollector,
    buffer_length,
)
from custom_components.camupload.uploader_ha.runner import ProfileRunner
from tests.ports import free_port
from tests.profile_setup import (
    UNREACHABLE,
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
    wait_until,
)
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

START = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _frame(seconds: float) -> Frame:
    """A frame received `seconds` after START, its bytes telling when."""
    return Frame(data=f"{seconds}".encode(), received_at=START + timedelta(seconds=seconds))


def test_frames_faster_than_the_frame_rate_are_skipped() -> None:
    """At 5 frames a second, a frame 0.1 s after the last kept one is dropped."""
    buffer = FrameBuffer(seconds=10, frame_rate=5)
    for seconds in (0.0, 0.1, 0.2, 0.25, 0.39, 0.4, 1.0):
        buffer.add(_frame(seconds))
    assert [frame.data for frame in buffer.frames()] == [b"0.0", b"0.2", b"0.4", b"1.0"]


def test_buffer_keeps_the_newest_frames_up_to_its_length() -> None:
    """Two seconds at 5 frames a second keep 11 frames, the newest; long clips are capped."""
    buffer = FrameBuffer(seconds=2, frame_rate=5)
    for index in range(30):
        buffer.add(_frame(index * 0.2))
    kept = buffer.frames()
    assert len(kept) == buffer_length(2, 5) == 11
    assert kept[0].received_at == START + timedelta(seconds=19 * 0.2)
    assert buffer_length(3600, 30) == MAX_CLIP_FRAMES


def _pushed(collector: FrameCollector) -> bool:
    """Whether collector takes pushed frames now (a call: mypy would narrow the property)."""
    return collector.pushed


async def _clip_runner(hass: HomeAssistant, camera: str) -> ProfileRunner:
    """Load a clip profile keeping two seconds before an event of camera."""
    profile = profile_subentry(
        name="Clips", camera=camera, file_type="clip_jpeg", seconds_before=2.0, frame_rate=10.0
    )
    return await load_profile(hass, server_entry(UNREACHABLE, profile))


async def _upload_reaches(
    hass_client_no_auth: ClientSessionGenerator, buffer: FrameBuffer, seed: int
) -> None:
    """The front door camera posts a photo over HTTP; it reaches the buffer."""
    await asyncio.sleep(buffer.interval)  # the buffer keeps one frame per interval
    client = await hass_client_no_auth()
    jpeg = make_jpeg(seed)
    response = await client.post(
        f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200
    await wait_until(lambda: buffer.frames() and buffer.frames()[-1].data == jpeg)


async def test_profile_follows_a_receiver_turned_off_and_on(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A profile loaded while its receiver is off waits, then takes pushed frames again."""
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(receiver.entry_id)
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get(CAMERA_ENTITY) is not None  # still registered

    runner = await _clip_runner(hass, CAMERA_ENTITY)
    assert runner._collector is not None
    assert runner.buffer is not None
    assert not _pushed(runner._collector)

    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    assert _pushed(runner._collector)
    await _upload_reaches(hass_client_no_auth, runner.buffer, 1)


async def test_renamed_receiver_camera_keeps_pushing(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Renaming the camera entity changes nothing for the profile buffering it."""
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    runner = await _clip_runner(hass, CAMERA_ENTITY)
    assert runner._collector is not None
    assert runner.buffer is not None
    await _upload_reaches(hass_client_no_auth, runner.buffer, 1)

    er.async_get(hass).async_update_entity(CAMERA_ENTITY, name="Porch")
    await hass.async_block_till_done()
    assert _pushed(runner._collector)
    await _upload_reaches(hass_client_no_auth, runner.buffer, 2)


async def test_renamed_polled_camera_keeps_being_polled(hass: HomeAssistant) -> None:
    """Renaming a polled camera neither stops nor doubles its polling."""
    camera = await setup_camera(hass)
    runner = await _clip_runner(hass, "camera.yard")
    assert runner._collector is not None
    assert runner.buffer is not None
    await wait_until(lambda: len(camera.given) >= 3)

    er.async_get(hass).async_update_entity("camera.yard", name="Garden")
    await hass.async_block_till_done()
    assert not _pushed(runner._collector)
    before = len(camera.given)
    await asyncio.sleep(1.0)
    # One poll every 0.1 s: about ten more frames, not twenty (a second poller).
    assert 1 <= len(camera.given) - before <= 13
    assert runner.buffer.frames()[-1].data in camera.given


async def test_event_naming_something_that_is_no_camera(hass: HomeAssistant) -> None:
    """An action whose camera is one of camupload's sensors fails as an unavailable camera."""
    await setup_camera(hass)
    profile = profile_subentry(file_type="clip_jpeg", seconds_after=0.3, frame_rate=10.0)
    runner = await load_profile(hass, server_entry(UNREACHABLE, profile))
    sensor = profile_entity(hass, runner, "uploads_today", "sensor")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "upload_profile",
            {"profile": "Yard", "event": True, "camera": sensor},
            blocking=True,
        )
    assert caught.value.translation_key == "camera_unavailable"
    assert caught.value.translation_placeholders == {"camera": sensor, "error": "Camera not found"}
    assert runner.status.last_error == "Camera not found"
    assert runner.status.uploads_today == 0


async def test_plain_upload_of_a_clip_profile_sends_the_image_as_is(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Without an event, a clip profile sends the camera's current image, byte for byte."""
    camera = await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming", file_name="now.jpg", file_type="clip_jpeg", frame_rate=5.0
    )
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    upload = await runner.async_upload()
    assert upload.event is None
    assert [delivery.path for delivery in upload.deliveries] == ["incoming/now.jpg"]
    assert vsftpd_server.path("now.jpg").read_bytes() == camera.given[-1]
