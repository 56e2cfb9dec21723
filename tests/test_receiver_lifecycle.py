"""The receiver entry over time: restarts, reloads, taken ports, quiet cameras, diagnostics.

Entries saved by earlier versions are migrated when they are set up.
"""

import asyncio
import contextlib
import ftplib
import io
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import BasicAuth
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload import async_migrate_entry
from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_IDLE_AFTER,
    CONF_LISTEN_ADDRESS,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    DOMAIN,
    RECEIVER_DEFAULTS,
    RECEIVER_UNIQUE_ID,
)
from custom_components.camupload.receiver_ha.hub import last_frames_folder
from custom_components.camupload.receiver_ha.last_frame_store import LastFrameStore
from custom_components.camupload.receiver_ha.settings import OPTION_KEYS
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import (
    CAMERA_ENTITY,
    PASSWORD,
    USERNAME,
    camera_subentry,
    next_image,
    receiver_entry,
)

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


def _ftp_upload(port: int, data: bytes, name: str = "snap.jpg") -> None:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        ftp.login(USERNAME, PASSWORD)
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))


def _port_is_free(port: int) -> bool:
    """Whether a server could listen on port now (as servers do, past TIME_WAIT leftovers)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _upload_and_wait(hass: HomeAssistant, port: int, data: bytes) -> None:
    arrived = next_image(hass)
    await hass.async_add_executor_job(_ftp_upload, port, data)
    async with asyncio.timeout(10):
        await arrived
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == data


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_last_image_survives_a_restart(hass: HomeAssistant) -> None:
    """Unloading writes the last frame; the next start shows it again."""
    port = free_port()
    entry = receiver_entry(port)
    await _setup(hass, entry)
    jpeg = make_jpeg(11)
    await _upload_and_wait(hass, port, jpeg)

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _port_is_free(port)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert (await async_get_image(hass, CAMERA_ENTITY)).content == jpeg
    state = hass.states.get(CAMERA_ENTITY)
    assert state is not None
    assert state.attributes["file_name"] == "snap.jpg"


async def test_connection_change_rebinds_ports(hass: HomeAssistant) -> None:
    """A new FTP port takes effect through a reload that releases the old one."""
    old_port, new_port = free_port(), free_port()
    entry = receiver_entry(old_port)
    await _setup(hass, entry)
    assert not _port_is_free(old_port)

    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_FTP_PORT: new_port})
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert _port_is_free(old_port)
    await _upload_and_wait(hass, new_port, make_jpeg(12))


async def test_taken_port_is_a_retryable_error(hass: HomeAssistant) -> None:
    """A port another program holds makes setup retry, with the reason in the log."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        entry = receiver_entry(blocker.getsockname()[1])
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert "cannot listen" in (entry.reason or "")


async def test_dedicated_http_port(hass: HomeAssistant) -> None:
    """The same paths are served on a port of their own when asked."""
    http_port = free_port()
    entry = receiver_entry(free_port(), **{CONF_HTTP_PORT: http_port})
    await _setup(hass, entry)
    jpeg = make_jpeg(13)
    process = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-",
        "-H", "Content-Type: image/jpeg",
        f"http://{USERNAME}:{PASSWORD}@127.0.0.1:{http_port}/photo/{USERNAME}",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await process.communicate(jpeg)
    assert stdout == b"200"
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == jpeg


async def test_camera_turns_idle_and_offline_when_quiet(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Streaming while frames arrive, idle after the quiet period, offline after the window."""
    port = free_port()
    entry = receiver_entry(port, **{CONF_IDLE_AFTER: 30})
    await _setup(hass, entry)
    await _upload_and_wait(hass, port, make_jpeg(14))
    assert hass.states.get(CAMERA_ENTITY).state == "streaming"  # type: ignore[union-attr]

    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(CAMERA_ENTITY).state == "idle"  # type: ignore[union-attr]
    online = hass.states.get("binary_sensor.front_door_connectivity")
    assert online is not None
    assert online.state == "on"

    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    online = hass.states.get("binary_sensor.front_door_connectivity")
    assert online is not None
    assert online.state == "off"


async def test_diagnostics_redact_passwords(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Diagnostics show the receiver's state but never a password."""
    port = free_port()
    entry = receiver_entry(port)
    await _setup(hass, entry)
    await _upload_and_wait(hass, port, make_jpeg(15))

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert PASSWORD not in str(diagnostics)
    assert diagnostics["receiver"]["ports"] == [port]
    assert diagnostics["receiver"]["feeds"][USERNAME]["frames"] == 1
    assert diagnostics["receiver"]["accounts"][USERNAME]["frames"] == 1
    assert diagnostics["entry"]["data"][CONF_FTP_PORT] == port


async def test_stopping_home_assistant_keeps_the_last_frame(hass: HomeAssistant) -> None:
    """Home Assistant does not unload entries when it stops; the frame is written anyway."""
    port = free_port()
    entry = receiver_entry(port)
    await _setup(hass, entry)
    jpeg = make_jpeg(16)
    await _upload_and_wait(hass, port, jpeg)

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert _port_is_free(port)
    stored = await hass.async_add_executor_job(
        LastFrameStore(last_frames_folder(hass)).load, next(iter(entry.subentries))
    )
    assert stored is not None
    assert stored.data == jpeg


async def test_reload_cuts_a_stream_pushed_to_home_assistant(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """An open MJPEG push ends with a reload, so the camera reconnects with its current login."""
    entry = receiver_entry(free_port())
    await _setup(hass, entry)
    client = await hass_client_no_auth()
    hold = asyncio.Event()
    first_frame = next_image(hass)

    async def body() -> AsyncIterator[bytes]:
        yield make_jpeg(17)
        await hold.wait()  # keep the stream open until the test lets go
        yield make_jpeg(18)

    push = asyncio.create_task(
        client.post(f"/upload/{USERNAME}", data=body(), auth=BasicAuth(USERNAME, PASSWORD))
    )
    async with asyncio.timeout(10):
        await first_frame  # the push is being served

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    # The request ended with the reload, while the camera still had more to send.
    async with asyncio.timeout(10):
        with contextlib.suppress(aiohttp.ClientError):
            await push
    assert not hold.is_set()
    hold.set()
    # The new hub serves the next connection.
    response = await client.post(
        f"/photo/{USERNAME}", data=make_jpeg(19), auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200


async def test_receiver_saved_by_1_1_moves_its_connection_settings_to_data(
    hass: HomeAssistant,
) -> None:
    """Entries of 1.1 kept ports and addresses in options; setup moves them to data (1.2).

    A setting saved before it existed stays missing and takes its default.
    """
    ftp_port, http_port = free_port(), free_port()
    old_options = {
        **RECEIVER_DEFAULTS,
        CONF_LISTEN_ADDRESS: "127.0.0.1",
        CONF_FTP_PORT: ftp_port,
        CONF_HTTP_PORT: http_port,
        CONF_PASSIVE_PORTS: "50000-50010",
        CONF_IDLE_AFTER: 45,
    }
    del old_options[CONF_PUBLIC_ADDRESS]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Upload receiver",
        unique_id=RECEIVER_UNIQUE_ID,
        version=1,
        minor_version=1,
        data={CONF_ENTRY_KIND: "receiver"},
        options=old_options,
        subentries_data=[camera_subentry("Front door", USERNAME, PASSWORD)],
    )
    await _setup(hass, entry)

    assert (entry.version, entry.minor_version) == (2, 1)
    assert dict(entry.data) == {
        CONF_ENTRY_KIND: "receiver",
        CONF_LISTEN_ADDRESS: "127.0.0.1",
        CONF_FTP_PORT: ftp_port,
        CONF_HTTP_PORT: http_port,
        CONF_PASSIVE_PORTS: "50000-50010",
    }
    assert dict(entry.options) == {key: old_options[key] for key in OPTION_KEYS}
    hub = entry.runtime_data.hub
    assert hub.bound_ports() == {ftp_port, http_port}
    assert hub.settings.passive_ports == range(50000, 50011)
    assert hub.settings.public_address is None
    assert hub.settings.idle_after == timedelta(seconds=45)
    await _upload_and_wait(hass, ftp_port, make_jpeg(20))


async def test_server_saved_by_1_1_only_changes_version(hass: HomeAssistant) -> None:
    """An upload server's entry has nothing to move."""
    data = {CONF_ENTRY_KIND: "server", "protocol": "ftp", "host": "192.0.2.3", "port": 21}
    entry = MockConfigEntry(domain=DOMAIN, version=1, minor_version=1, data=data)
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert (entry.version, dict(entry.data), dict(entry.options)) == (2, data, {})


async def test_receiver_saved_by_1_2_keeps_the_ports_set_last(hass: HomeAssistant) -> None:
    """1.2 held ports in data; an older version then saved its own into options: those win."""
    data = {CONF_ENTRY_KIND: "receiver", CONF_FTP_PORT: 2100, CONF_LISTEN_ADDRESS: "127.0.0.1"}
    options = {CONF_FTP_PORT: 2200, CONF_IDLE_AFTER: 45}
    entry = MockConfigEntry(domain=DOMAIN, version=1, minor_version=2, data=data, options=options)
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert (entry.version, entry.minor_version) == (2, 1)
    assert dict(entry.data) == {**data, CONF_FTP_PORT: 2200}
    assert dict(entry.options) == {CONF_IDLE_AFTER: 45}


async def test_entry_of_a_later_major_version_is_refused(hass: HomeAssistant) -> None:
    """An entry saved by a later, incompatible version is left alone, and not set up."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, version=3)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert CONF_FTP_PORT in entry.options
