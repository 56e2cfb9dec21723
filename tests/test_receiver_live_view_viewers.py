"""A receiver camera's live view as its viewers see it: late, slow, and when the camera goes.

Viewers read `/api/camera_proxy_stream/<camera>` through Home Assistant's own web server while
the camera uploads photos over HTTP; everything runs on loopback.
"""

import asyncio
import io
import os

import pytest
from aiohttp import BasicAuth, ClientResponse, ClientSession
from homeassistant.core import HomeAssistant
from PIL import Image
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.camera import NEXT_PART, PART_HEAD
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

LIVE = f"/api/camera_proxy_stream/{CAMERA_ENTITY}"


async def _receiver(hass: HomeAssistant) -> MockConfigEntry:
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _upload(camera: ClientSession, jpeg: bytes) -> None:
    response = await camera.post(
        f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200


class LiveView:
    """The parts of a live view, as a viewer reads them (parts can be larger than a read)."""

    def __init__(self, response: ClientResponse) -> None:
        """Read from response."""
        self.response = response
        self._buffer = b""

    async def head(self) -> None:
        """The first part's head, which opens the stream."""
        assert await self.response.content.readuntil(PART_HEAD) == PART_HEAD

    async def next_part(self) -> bytes:
        """The next frame: every part ends with the next part's boundary and head."""
        while NEXT_PART not in self._buffer:
            chunk = await self.response.content.readany()
            assert chunk, "the live view ended"
            self._buffer += chunk
        part, self._buffer = self._buffer.split(NEXT_PART, 1)
        return part


def _noisy_jpeg() -> bytes:
    """About a megabyte of JPEG: noise does not compress."""
    noise = os.urandom(800 * 600 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (800, 600), noise).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


async def test_late_viewer_sees_the_last_upload_first(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Opening the live view after an upload shows that upload at once, not a placeholder."""
    await _receiver(hass)
    camera = await hass_client_no_auth()
    jpeg = make_jpeg(11)
    await _upload(camera, jpeg)

    viewer = await hass_client()
    response = await viewer.get(LIVE)
    live = LiveView(response)
    try:
        async with asyncio.timeout(10):
            await live.head()
            assert await live.next_part() == jpeg
            newer = make_jpeg(12)
            await _upload(camera, newer)
            assert await live.next_part() == newer
    finally:
        response.close()


async def test_slow_viewer_gets_the_newest_frame_not_a_backlog(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A viewer that stops reading while large frames arrive then sees the newest one."""
    await _receiver(hass)
    camera = await hass_client_no_auth()
    viewer = await hass_client()
    response = await viewer.get(LIVE)
    live = LiveView(response)
    frames = [_noisy_jpeg() for _ in range(12)]  # more than the sockets buffer
    try:
        async with asyncio.timeout(30):
            await live.head()
            await live.next_part()  # the placeholder
            for frame in frames:
                await _upload(camera, frame)
            seen = [await live.next_part()]
            while seen[-1] != frames[-1]:
                seen.append(await live.next_part())
    finally:
        response.close()
    assert all(part in frames for part in seen)
    assert len(seen) < len(frames)  # frames the viewer could not take in time were skipped


async def test_removing_the_camera_ends_its_live_view(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """A viewer watching a camera that is removed sees its stream end."""
    entry = await _receiver(hass)
    viewer = await hass_client()
    response = await viewer.get(LIVE)
    live = LiveView(response)
    try:
        async with asyncio.timeout(10):
            await live.head()
            assert (await live.next_part()).startswith(b"\xff\xd8")  # the placeholder
            (subentry_id,) = entry.subentries
            assert hass.config_entries.async_remove_subentry(entry, subentry_id)
            await hass.async_block_till_done()
            assert await response.content.read() == b""  # nothing more: the stream has ended
    finally:
        response.close()
    assert hass.states.get(CAMERA_ENTITY) is None
