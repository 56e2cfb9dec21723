"""Upload server entries, profile subentries and a test camera for the uploader's HA tests."""

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.components.camera import Camera
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    setup_test_component_platform,
)

from custom_components.camupload.const import (
    CONF_CAMERA,
    CONF_PROFILE_NUMBER,
    DOMAIN,
    SUBENTRY_PROFILE,
)
from custom_components.camupload.runtime import uploader_hub
from custom_components.camupload.uploader_ha.runner import ProfileRunner
from custom_components.camupload.uploader_ha.server_form import server_data, server_unique_id
from custom_components.camupload.uploader_ha.settings import PROFILE_DEFAULTS
from tests.receiver.sample_jpegs import make_jpeg
from tests.uploader.servers import FtpServer

TEST_CAMERA = "camera.yard"
# Form answers for an FTP server where nothing listens: loading a profile does not connect,
# and a network test fails at "connect".
UNREACHABLE: dict[str, Any] = {
    "protocol": "ftp",
    "host": "127.0.0.1",
    "port": 9,
    "username": "nobody",
    "password": "unused",
    "passive": True,
    "verify_tls": True,
    "http_path": "",
}


class FrameCamera(Camera):
    """A camera whose every image is a new, different JPEG; it remembers what it gave."""

    _attr_name = "Yard"
    _attr_unique_id = "yard"

    def __init__(self) -> None:
        """Start at frame 0."""
        super().__init__()
        self.given: list[bytes] = []
        self.broken = False  # then each image is bytes no decoder can read

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The next frame."""
        del width, height
        jpeg = b"\xff\xd8 not a picture \xff\xd9" if self.broken else make_jpeg(len(self.given) + 1)
        self.given.append(jpeg)
        return jpeg


async def setup_camera(hass: HomeAssistant) -> FrameCamera:
    """Add camera.yard to Home Assistant."""
    camera = FrameCamera()
    setup_test_component_platform(hass, "camera", [camera])
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()
    return camera


def profile_subentry(name: str = "Yard", number: int = 1, **data: Any) -> ConfigSubentryData:  # noqa: ANN401
    """A profile subentry as the subentry flow stores it."""
    return ConfigSubentryData(
        data={**PROFILE_DEFAULTS, CONF_CAMERA: TEST_CAMERA, CONF_PROFILE_NUMBER: number, **data},
        subentry_type=SUBENTRY_PROFILE,
        title=name,
        unique_id=None,
    )


def server_entry(server: dict[str, Any], *profiles: ConfigSubentryData) -> MockConfigEntry:
    """An upload server entry (form answers in `server`) with profiles."""
    data = server_data(server)
    return MockConfigEntry(
        domain=DOMAIN,
        title="Upload server",
        unique_id=server_unique_id(data),
        data=data,
        subentries_data=list(profiles),
    )


def ftp_answers(server: FtpServer, **overrides: Any) -> dict[str, Any]:  # noqa: ANN401
    """Form answers for an FTP server on loopback."""
    return {
        "protocol": "ftp",
        "host": "127.0.0.1",
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "passive": True,
        "verify_tls": True,
        "http_path": "",
        **overrides,
    }


WAIT = 15.0  # seconds a background delivery may take on a loaded machine


async def load_profile(hass: HomeAssistant, entry: MockConfigEntry) -> ProfileRunner:
    """Set up a server entry and return the runner of its first profile."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    hub = uploader_hub(entry)
    assert hub is not None
    return next(iter(hub.runners.values()))


async def wait_until(check: Callable[[], object]) -> None:
    """Wait for background work to make check() true."""
    # Polls: the condition is set by background work that has no event to wait on.
    async with asyncio.timeout(WAIT):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def profile_entity(hass: HomeAssistant, runner: ProfileRunner, key: str, domain: str) -> str:
    """The entity id of one of a profile's entities."""
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{runner.subentry_id}_{key}"
    )
    assert entity_id is not None
    return entity_id
