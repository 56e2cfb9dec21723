"""A receiver camera in Home Assistant, fed by real clients on loopback."""

import asyncio
import ftplib
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import BasicAuth, web
from aiohttp.test_utils import TestClient
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload import entity as camupload_entity
from custom_components.camupload.const import DOMAIN, MODEL_RECEIVER_CAMERA, NAME
from custom_components.camupload.receiver_ha.hub import last_frames_folder
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from custom_components.camupload.receiver_ha.placeholder import placeholder_jpeg
from custom_components.camupload.shared.frame import Frame
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
    device = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, next(iter(entry.subentries)))}
    )
    assert device is not None
    assert (device.manufacturer, device.model) == (NAME, MODEL_RECEIVER_CAMERA)

    assert await hass.config_entries.async_unload(entry.entry_id)


async def _written(hass: HomeAssistant, entry: MockConfigEntry, *entity_ids: str) -> None:
    """Wait until the entities wrote their state after the newest frame (writes are paced)."""
    await hass.async_block_till_done()
    feed = next(iter(entry.runtime_data.hub.feeds.values()))
    assert feed.latest is not None

    def written() -> bool:
        states = [hass.states.get(entity_id) for entity_id in entity_ids]
        return all(s is not None and s.last_reported >= feed.latest.received_at for s in states)

    async with asyncio.timeout(10):
        while not written():  # noqa: ASYNC110 - a paced write has no event to wait on
            await asyncio.sleep(0.05)


def _state_of(frame_at: str) -> str:
    """A timestamp sensor's state for a frame time: whole seconds."""
    moment = dt_util.parse_datetime(frame_at)
    assert moment is not None
    return moment.isoformat(timespec="seconds")


async def _push_stream(
    client: TestClient[web.Request, web.Application],
    frames: int,
    *,
    interval: float,
    pause_after: int | None = None,
    pause: float = 0.0,
) -> None:
    """Push frames as one MJPEG stream (raw JPEGs back to back), optionally pausing once."""

    async def body() -> AsyncIterator[bytes]:
        for number in range(frames):
            yield make_jpeg(number + 1)
            await asyncio.sleep(pause if number == pause_after else interval)

    response = await client.post(
        f"/upload/{USERNAME}", data=body(), auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200


# Long enough that a camera reconnecting at once stays within it on a loaded machine.
IDLE_AFTER = 3


async def test_a_stream_is_one_upload(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Last upload changes once per stream (when it starts) and once per uploaded file.

    The camera's last_frame_at follows the frames; a stream pause longer than "idle after"
    ends the stream, so its next frame starts a new upload.
    """
    monkeypatch.setattr(camupload_entity, "STATE_WRITE_INTERVAL", 0.2)  # many writes, quickly
    entry = receiver_entry(free_port(), idle_after=IDLE_AFTER)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    last_upload = "sensor.front_door_last_upload"
    uploads: list[str] = []
    frame_times: list[str] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        old = event.data["old_state"]
        if new is None or old is None:
            return
        if event.data["entity_id"] == last_upload and new.state != old.state:
            uploads.append(new.state)
        if event.data["entity_id"] == CAMERA_ENTITY and "last_frame_at" in new.attributes:
            frame_times.append(new.attributes["last_frame_at"])

    async_track_state_change_event(hass, [last_upload, CAMERA_ENTITY], changed)
    client = await hass_client_no_auth()

    # 2 s of frames at 10 fps: one upload, written when the stream started.
    await _push_stream(client, 20, interval=0.1)
    await _written(hass, entry, CAMERA_ENTITY, last_upload)
    assert len(frame_times) >= 5  # the camera kept following the frames
    assert uploads == [_state_of(frame_times[0])]

    # A photo is an upload of its own, and so is the stream right after it.
    response = await client.post(
        f"/photo/{USERNAME}", data=make_jpeg(40), auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200
    await _written(hass, entry, CAMERA_ENTITY, last_upload)
    assert len(uploads) == 2
    photo_at = hass.states.get(CAMERA_ENTITY).attributes["last_frame_at"]  # type: ignore[union-attr]
    assert uploads[-1] == _state_of(photo_at)
    await asyncio.sleep(1.1)  # the state has whole seconds: start the stream in the next one
    await _push_stream(client, 5, interval=0.1)
    await _written(hass, entry, CAMERA_ENTITY, last_upload)
    assert len(uploads) == 3

    # A pause beyond "idle after" ends a stream, within one connection too.
    await asyncio.sleep(IDLE_AFTER + 0.5)
    await _push_stream(client, 6, interval=0.1, pause_after=2, pause=IDLE_AFTER + 0.5)
    await _written(hass, entry, CAMERA_ENTITY, last_upload)
    assert len(uploads) == 5
    # A camera reconnecting within that time goes on with the same stream.
    await _push_stream(client, 5, interval=0.1)
    await _written(hass, entry, CAMERA_ENTITY, last_upload)
    assert len(uploads) == 5
    assert uploads == sorted(uploads)


async def test_restart_keeps_the_start_of_the_last_stream(hass: HomeAssistant) -> None:
    """After a restart, Last upload still shows when the stream of the kept frame began."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    camera_id = next(iter(entry.subentries))
    ended = dt_util.utcnow().replace(microsecond=0) - timedelta(minutes=5)
    started = ended - timedelta(minutes=10)
    kept_frame = Frame(data=make_jpeg(8), received_at=ended, source="mjpeg", file_name=None)
    await hass.async_add_executor_job(
        LastFrameStore(last_frames_folder(hass)).save, camera_id, kept_frame
    )
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.front_door_last_upload", started.isoformat()),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": started.isoformat(),
                    },
                    "native_unit_of_measurement": None,
                },
            )
        ],
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get("sensor.front_door_last_upload")
    assert state is not None
    assert state.state == started.isoformat()
    camera = hass.states.get(CAMERA_ENTITY)
    assert camera is not None
    assert camera.attributes["last_frame_at"] == ended.isoformat()
    assert await hass.config_entries.async_unload(entry.entry_id)
