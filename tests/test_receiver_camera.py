"""A receiver camera in Home Assistant, fed by real clients on loopback."""

import asyncio
import ftplib
import functools
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import BasicAuth, web
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import DOMAIN, MODEL_RECEIVER_CAMERA, NAME
from custom_components.camupload.entity import STATE_WRITE_INTERVAL
from custom_components.camupload.receiver_ha.camera_feed import CameraFeed
from custom_components.camupload.receiver_ha.hub import last_frames_folder
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from custom_components.camupload.receiver_ha.placeholder import placeholder_jpeg
from custom_components.camupload.shared.frame import Frame
from tests.ports import free_port
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


def _state_of(frame_at: str) -> str:
    """A timestamp sensor's state for a frame time: whole seconds."""
    moment = dt_util.parse_datetime(frame_at)
    assert moment is not None
    return moment.isoformat(timespec="seconds")


@dataclass(kw_only=True)
class _PushingCamera:
    """Camera "Front door" pushing to Home Assistant's port, on a clock the test moves."""

    hass: HomeAssistant
    client: TestClient[web.Request, web.Application]
    feed: CameraFeed
    freezer: FrozenDateTimeFactory

    def let_pass(self, seconds: float) -> None:
        """Move the clock on; Home Assistant's timers due by then (paced writes) run."""
        self.freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(self.hass)

    async def _arrives(self, send: Callable[[], None]) -> None:
        """Send a frame and wait until the receiver has taken it."""
        arrived = asyncio.Event()
        remove = self.feed.add_listener(arrived.set)
        try:
            send()
            await arrived.wait()
        finally:
            remove()

    async def push_stream(
        self, frames: int, *, interval: float, pause_after: int | None = None, pause: float = 0.0
    ) -> None:
        """Push frames as one MJPEG stream (raw JPEGs back to back), optionally pausing once."""
        queued: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def body() -> AsyncIterator[bytes]:
            while (jpeg := await queued.get()) is not None:
                yield jpeg

        request = asyncio.create_task(
            self.client.post(f"/upload/{USERNAME}", data=body(), auth=BasicAuth(USERNAME, PASSWORD))
        )
        for number in range(frames):
            await self._arrives(functools.partial(queued.put_nowait, make_jpeg(number + 1)))
            self.let_pass(pause if number == pause_after else interval)
        queued.put_nowait(None)
        response = await request
        assert response.status == 200

    async def photo(self, seed: int) -> None:
        """Upload one photo."""
        response = await self.client.post(
            f"/photo/{USERNAME}", data=make_jpeg(seed), auth=BasicAuth(USERNAME, PASSWORD)
        )
        assert response.status == 200

    async def written(self, *entity_ids: str) -> None:
        """Let the paced writes happen: the entities then show the newest frame."""
        self.let_pass(STATE_WRITE_INTERVAL)
        await self.hass.async_block_till_done()
        latest = self.feed.latest
        assert latest is not None
        for entity_id in entity_ids:
            state = self.hass.states.get(entity_id)
            assert state is not None
            assert state.last_reported >= latest.received_at


# Longer than the paced write the test lets happen after each upload.
IDLE_AFTER = 30
FRAME_INTERVAL = 2.0  # seconds between a stream's frames


async def test_a_stream_is_one_upload(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Last upload changes once per stream (when it starts) and once per uploaded file.

    The camera's last_frame_at follows the frames; a stream pause longer than "idle after"
    ends the stream, so its next frame starts a new upload.
    """
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
    camera = _PushingCamera(
        hass=hass,
        client=await hass_client_no_auth(),
        feed=next(iter(entry.runtime_data.hub.feeds.values())),
        freezer=freezer,
    )

    # 40 s of frames, one every 2 s: one upload, written when the stream started.
    await camera.push_stream(20, interval=FRAME_INTERVAL)
    await camera.written(CAMERA_ENTITY, last_upload)
    assert len(frame_times) >= 5  # the camera kept following the frames
    assert uploads == [_state_of(frame_times[0])]

    # A photo is an upload of its own, and so is the stream right after it.
    await camera.photo(40)
    await camera.written(CAMERA_ENTITY, last_upload)
    assert len(uploads) == 2
    photo_at = hass.states.get(CAMERA_ENTITY).attributes["last_frame_at"]  # type: ignore[union-attr]
    assert uploads[-1] == _state_of(photo_at)
    camera.let_pass(1.1)  # the state has whole seconds: start the stream in the next one
    await camera.push_stream(5, interval=FRAME_INTERVAL)
    await camera.written(CAMERA_ENTITY, last_upload)
    assert len(uploads) == 3

    # A pause beyond "idle after" ends a stream, within one connection too.
    camera.let_pass(IDLE_AFTER + 0.5)
    await camera.push_stream(6, interval=FRAME_INTERVAL, pause_after=2, pause=IDLE_AFTER + 0.5)
    await camera.written(CAMERA_ENTITY, last_upload)
    assert len(uploads) == 5
    # A camera reconnecting within that time goes on with the same stream.
    await camera.push_stream(5, interval=FRAME_INTERVAL)
    await camera.written(CAMERA_ENTITY, last_upload)
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
