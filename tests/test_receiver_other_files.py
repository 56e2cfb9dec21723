"""Uploads that are not pictures, and a last frame that cannot be kept, at the receiver.

Cameras also store logs and clips over FTP: those go to the archive under their own names and
never replace the camera's picture. A last frame the disk refuses is logged, and the receiver
still stops cleanly. Real ftplib and HTTP uploads on loopback.
"""

import asyncio
import ftplib
import io
import logging
import shutil
from pathlib import Path

import pytest
from aiohttp import BasicAuth
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import CONF_ARCHIVE, EVENT_IMAGE_RECEIVED
from custom_components.camupload.receiver_ha.hub import last_frames_folder
from custom_components.camupload.receiver_ha.placeholder import placeholder_jpeg
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

LOG = b"2026-06-15 12:00:00 motion detected in window 2\n"


async def _receiver(hass: HomeAssistant, **options: object) -> tuple[MockConfigEntry, int]:
    port = free_port()
    entry = receiver_entry(port, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, port


def _store(port: int, name: str, data: bytes) -> str:
    """Store a file over FTP as the front door camera; the server's final reply."""
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        ftp.login(USERNAME, PASSWORD)
        return ftp.storbinary(f"STOR {name}", io.BytesIO(data))


async def test_log_file_is_archived_but_never_shown(hass: HomeAssistant, tmp_path: Path) -> None:
    """A text file goes to the archive; the camera still shows its placeholder, no event fires."""
    hass.config.media_dirs = {"local": str(tmp_path)}
    entry, port = await _receiver(hass, **{CONF_ARCHIVE: True})
    images: list[Event] = []
    hass.bus.async_listen(EVENT_IMAGE_RECEIVED, images.append)

    reply = await hass.async_add_executor_job(_store, port, "events.log", LOG)

    assert reply == "226 file received"
    await hass.async_block_till_done()
    assert images == []
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == placeholder_jpeg()
    state = hass.states.get(CAMERA_ENTITY)
    assert state is not None
    assert "last_frame_at" not in state.attributes
    # Unloading closes the archive writer, which first writes everything queued.
    assert await hass.config_entries.async_unload(entry.entry_id)
    folder = tmp_path / "camupload" / USERNAME
    saved = await hass.async_add_executor_job(lambda: list(folder.rglob("events*.log")))
    assert [path.read_bytes() for path in saved] == [LOG]


async def test_last_frame_the_disk_refuses_is_logged(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Where the last frames go is no folder any more: the save is logged, the stop is clean."""
    entry, _port = await _receiver(hass)
    folder = last_frames_folder(hass)

    def break_folder() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.write_bytes(b"a file where a folder should be")

    await hass.async_add_executor_job(break_folder)
    client = await hass_client_no_auth()
    jpeg = make_jpeg(21)
    response = await client.post(
        f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200

    with caplog.at_level(logging.ERROR):
        assert await hass.config_entries.async_unload(entry.entry_id)  # saves what is unsaved
    assert entry.state is ConfigEntryState.NOT_LOADED
    record = next(r for r in caplog.records if r.getMessage().startswith("Cannot keep"))
    assert record.getMessage() == "Cannot keep the last frame of Front door"
    assert isinstance(record.exc_info and record.exc_info[1], OSError)
    assert await asyncio.to_thread(folder.read_bytes) == b"a file where a folder should be"
