"""The receiver's archive: frames saved under the media folder and browsable."""

from pathlib import Path

import pytest
from aiohttp import BasicAuth
from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import CONF_ARCHIVE
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def test_uploads_land_in_the_archive_and_media_browser(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, tmp_path: Path
) -> None:
    """Every uploaded frame is written to disk and listed by the media source."""
    hass.config.media_dirs = {"local": str(tmp_path)}
    assert await async_setup_component(hass, "media_source", {})
    entry = receiver_entry(free_port(), **{CONF_ARCHIVE: True})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    frames = [make_jpeg(seed) for seed in (31, 32, 33)]
    for jpeg in frames:
        response = await client.post(
            f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
        )
        assert response.status == 200

    # Unloading closes the archive writer, which first writes everything queued.
    assert await hass.config_entries.async_unload(entry.entry_id)
    folder = tmp_path / "camupload" / USERNAME
    saved = sorted(await hass.async_add_executor_job(lambda: list(folder.rglob("*.jpg"))))
    assert sorted(path.read_bytes() for path in saved) == sorted(frames)

    root = await media_source.async_browse_media(hass, "media-source://camupload")
    assert [child.title for child in root.children or []] == [USERNAME]
