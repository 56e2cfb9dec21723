"""Cameras added, renamed, given a new password and removed while another camera uploads.

Camera A (the receiver's "Front door") keeps an MJPEG push on Home Assistant's port and an FTP
session open through every change of camera B; both must go on delivering frames. The changes
go through the same config-entry calls the camera subentry flow ends in.
"""

import asyncio
import contextlib
import ftplib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

import aiohttp
import pytest
from aiohttp import BasicAuth
from freezegun.api import TickingDateTimeFactory
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import DOMAIN, SUBENTRY_CAMERA
from custom_components.camupload.receiver_ha.camera_feed import CameraFeed
from custom_components.camupload.receiver_ha.hub import (
    LAST_FRAME_SAVE_INTERVAL,
    ReceiverHub,
    last_frames_folder,
)
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

B_NAME = "Back yard"
B_USERNAME = "back_yard"
B_PASSWORD = "b-first-Passw0rd"
B_NEW_PASSWORD = "b-second-Passw0rd"
B_ENTITY = "camera.back_yard"
# The camera, its connectivity, last upload and frame rate.
B_ENTITIES = 4
BOUNDARY = "camframe"
# How long a frame may take to arrive; a cut stream never delivers it.
FRAME_WAIT = 5.0


def _part(jpeg: bytes) -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return head.encode() + jpeg + b"\r\n"


class MjpegPush:
    """A camera pushing a multipart MJPEG stream; each frame goes out when the test sends it."""

    def __init__(self, client: aiohttp.ClientSession, username: str, password: str) -> None:
        """Open the push (POST /upload/username) with the camera's login."""
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.sent = 0
        self.task = asyncio.create_task(
            client.post(
                f"/upload/{username}",
                data=self._body(),
                auth=BasicAuth(username, password),
                headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"},
            )
        )

    async def _body(self) -> AsyncIterator[bytes]:
        while (jpeg := await self._frames.get()) is not None:
            yield _part(jpeg)

    def send(self, jpeg: bytes) -> None:
        """Send one more frame on the open stream."""
        self.sent += 1
        self._frames.put_nowait(jpeg)

    async def finish(self) -> str:
        """End the stream as a camera does; returns the receiver's summary."""
        self._frames.put_nowait(None)
        async with asyncio.timeout(FRAME_WAIT):
            response = await self.task
        assert response.status == 200
        return await response.text()


def _ftp_session(port: int, username: str, password: str) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", port, timeout=10)
    ftp.login(username, password)
    return ftp


def _ftp_store(ftp: ftplib.FTP, name: str, data: bytes) -> str:
    return ftp.storbinary(f"STOR {name}", io.BytesIO(data))


def _ftp_login_reply(port: int, username: str, password: str) -> str:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        try:
            return ftp.login(username, password)
        except ftplib.error_perm as refused:
            return str(refused)


def _ftp_upload(port: int, username: str, password: str, data: bytes) -> str:
    with _ftp_session(port, username, password) as ftp:
        return _ftp_store(ftp, "snap.jpg", data)


async def _delivered(feed: CameraFeed, jpeg: bytes) -> None:
    """Wait until feed's latest frame is jpeg."""
    arrived = asyncio.Event()
    remove = feed.add_listener(arrived.set)
    try:
        async with asyncio.timeout(FRAME_WAIT):
            while feed.latest is None or feed.latest.data != jpeg:
                arrived.clear()
                await arrived.wait()
    finally:
        remove()


async def _photo(client: aiohttp.ClientSession, username: str, password: str, seed: int) -> int:
    response = await client.post(
        f"/photo/{username}", data=make_jpeg(seed), auth=BasicAuth(username, password)
    )
    return response.status


async def _cut(push: MjpegPush) -> None:
    """Wait until the receiver ends push while the camera still has frames to send."""
    async with asyncio.timeout(FRAME_WAIT):
        with contextlib.suppress(aiohttp.ClientError):
            response = await push.task
            # Some clients see the reply to a cut stream rather than a closed socket.
            assert response.status != 200


@dataclass(kw_only=True)
class Scene:
    """A receiver whose camera A keeps a push and an FTP session open, and the changes of B."""

    hass: HomeAssistant
    entry: MockConfigEntry
    client: aiohttp.ClientSession
    port: int
    a_push: MjpegPush
    a_ftp: ftplib.FTP
    freezer: TickingDateTimeFactory
    seed: int = 100
    b_sub: ConfigSubentry = field(
        default_factory=lambda: ConfigSubentry(
            data=MappingProxyType({CONF_USERNAME: B_USERNAME, CONF_PASSWORD: B_PASSWORD}),
            subentry_type=SUBENTRY_CAMERA,
            title=B_NAME,
            unique_id=B_USERNAME,
        )
    )

    def __post_init__(self) -> None:
        """Note the hub and A's feed: the ones that must serve throughout."""
        self.hub: ReceiverHub = self.entry.runtime_data.hub
        self.a_feed = self.hub.feeds[next(iter(self.hub.cameras))]

    @property
    def b_device(self) -> dr.DeviceEntry | None:
        """B's device."""
        return dr.async_get(self.hass).async_get_device(
            identifiers={(DOMAIN, self.b_sub.subentry_id)}
        )

    def stored_b_frame(self) -> bool:
        """Whether B's last frame is kept on disk."""
        store = LastFrameStore(last_frames_folder(self.hass))
        return store.load(self.b_sub.subentry_id) is not None

    async def a_still_delivers(self) -> None:
        """A frame over A's open stream and one over its open FTP session both arrive."""
        assert self.entry.runtime_data.hub is self.hub
        self.seed += 1
        streamed = make_jpeg(self.seed)
        self.a_push.send(streamed)
        await _delivered(self.a_feed, streamed)
        self.seed += 1
        stored = make_jpeg(self.seed)
        reply = await self.hass.async_add_executor_job(_ftp_store, self.a_ftp, "a.jpg", stored)
        assert reply.startswith("226")
        await _delivered(self.a_feed, stored)
        # A's entity shows it: the entity still reads the same, live feed.
        assert (await async_get_image(self.hass, CAMERA_ENTITY)).content == stored

    async def add_b(self) -> None:
        """Add B: its login works at once, over HTTP and FTP, with no wait for anything."""
        assert self.hass.config_entries.async_add_subentry(self.entry, self.b_sub)
        assert await _photo(self.client, B_USERNAME, B_PASSWORD, 1) == 200
        jpeg = make_jpeg(2)
        reply = await self.hass.async_add_executor_job(
            _ftp_upload, self.port, B_USERNAME, B_PASSWORD, jpeg
        )
        assert reply.startswith("226")
        await self.hass.async_block_till_done()
        device = self.b_device
        assert device is not None
        assert device.name == B_NAME
        entities = er.async_get(self.hass)
        assert entities.async_get_entity_id("camera", DOMAIN, self.b_sub.subentry_id) == B_ENTITY
        assert (await async_get_image(self.hass, B_ENTITY)).content == jpeg
        assert len(er.async_entries_for_device(entities, device.id)) == B_ENTITIES
        # The periodic save keeps B's last frame on disk.
        self.freezer.move_to(dt_util.utcnow() + timedelta(seconds=LAST_FRAME_SAVE_INTERVAL))
        async with asyncio.timeout(FRAME_WAIT):
            # The save runs in the hub's background task: nothing to wait on but the file.
            while not await self.hass.async_add_executor_job(self.stored_b_frame):  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    async def rename_b(self, b_push: MjpegPush) -> None:
        """Rename B: its device and entity names follow; B's own push is not cut either."""
        self.hass.config_entries.async_update_subentry(self.entry, self.b_sub, title="Garden gate")
        await self.hass.async_block_till_done()
        device = self.b_device
        assert device is not None
        assert device.name == "Garden gate"
        state = self.hass.states.get(B_ENTITY)
        assert state is not None
        assert state.attributes["friendly_name"] == "Garden gate"
        jpeg = make_jpeg(4)
        b_push.send(jpeg)
        await _delivered(self.hub.feeds[self.b_sub.subentry_id], jpeg)

    async def change_b_password(self, b_push: MjpegPush, b_ftp: ftplib.FTP) -> None:
        """Give B a new password: B's open sessions end, the old password is refused."""
        self.hass.config_entries.async_update_subentry(
            self.entry,
            self.b_sub,
            data={CONF_USERNAME: B_USERNAME, CONF_PASSWORD: B_NEW_PASSWORD},
        )
        await _cut(b_push)
        with pytest.raises((ftplib.Error, OSError, EOFError)):
            await self.hass.async_add_executor_job(b_ftp.voidcmd, "NOOP")
        assert await _photo(self.client, B_USERNAME, B_PASSWORD, 5) == 401
        login = await self.hass.async_add_executor_job(
            _ftp_login_reply, self.port, B_USERNAME, B_PASSWORD
        )
        assert login.startswith("530")
        assert await _photo(self.client, B_USERNAME, B_NEW_PASSWORD, 6) == 200
        login = await self.hass.async_add_executor_job(
            _ftp_login_reply, self.port, B_USERNAME, B_NEW_PASSWORD
        )
        assert login.startswith("230")

    async def remove_b(self) -> None:
        """Remove B: its entities and device go, its login is unknown."""
        device = self.b_device
        assert device is not None
        entities = er.async_get(self.hass)
        b_entities = [e.entity_id for e in er.async_entries_for_device(entities, device.id)]
        self.hass.config_entries.async_remove_subentry(self.entry, self.b_sub.subentry_id)
        await self.hass.async_block_till_done()
        assert self.b_device is None
        for entity_id in b_entities:
            assert entities.async_get(entity_id) is None
            assert self.hass.states.get(entity_id) is None
        assert self.b_sub.subentry_id not in self.hub.feeds
        assert not await self.hass.async_add_executor_job(self.stored_b_frame)
        assert await _photo(self.client, B_USERNAME, B_NEW_PASSWORD, 7) == 404


# The clock runs on (tick) for the uploads over loopback; the test moves it to the next save.
@pytest.mark.freeze_time(tick=True)
async def test_camera_changes_leave_other_cameras_streaming(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: TickingDateTimeFactory,
) -> None:
    """Adding, renaming, re-passwording and removing B neither cuts nor stalls A."""
    port = free_port()
    entry = receiver_entry(port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    a_ftp = await hass.async_add_executor_job(_ftp_session, port, USERNAME, PASSWORD)
    b_ftp: ftplib.FTP | None = None
    scene = Scene(
        hass=hass,
        entry=entry,
        client=client,
        port=port,
        a_push=MjpegPush(client, USERNAME, PASSWORD),
        a_ftp=a_ftp,
        freezer=freezer,
    )
    try:
        await scene.a_still_delivers()
        await scene.add_b()
        await scene.a_still_delivers()

        # B's own uploads, opened with its first password.
        b_push = MjpegPush(client, B_USERNAME, B_PASSWORD)
        b_jpeg = make_jpeg(3)
        b_push.send(b_jpeg)
        await _delivered(scene.hub.feeds[scene.b_sub.subentry_id], b_jpeg)
        b_ftp = await hass.async_add_executor_job(_ftp_session, port, B_USERNAME, B_PASSWORD)

        await scene.rename_b(b_push)
        await scene.a_still_delivers()
        await scene.change_b_password(b_push, b_ftp)
        await scene.a_still_delivers()
        await scene.remove_b()
        await scene.a_still_delivers()

        summary = await scene.a_push.finish()
        assert summary.startswith(f"{scene.a_push.sent} frames received")
    finally:
        for ftp in (a_ftp, b_ftp):
            if ftp is not None:
                await hass.async_add_executor_job(ftp.close)
