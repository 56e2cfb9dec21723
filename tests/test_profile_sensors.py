"""What a profile's device and sensors show after real uploads to vsftpd."""

import json
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from custom_components.camupload.const import DOMAIN, MODEL_PROFILE, NAME, NO_ERROR
from tests.profile_setup import (
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

INTEGRATION = Path(__file__).parent.parent / "custom_components" / DOMAIN


def test_the_name_users_see_is_the_manifest_name() -> None:
    """One name for users: the manifest's, used for devices and the media source."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert manifest["name"] == NAME == "Camera Upload"


async def test_sensors_after_an_upload_and_a_failure(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Short destination with its URL aside, counts without units, and a readable Last error."""
    await setup_camera(hass)
    entry = server_entry(
        ftp_answers(vsftpd_server),
        profile_subentry(directory="incoming/2026/$(ID.NAM)", file_name="m$(PRF.NUM)-snap.jpg"),
    )
    runner = await load_profile(hass, entry)

    def state(key: str) -> tuple[str, dict[str, object]]:
        found = hass.states.get(profile_entity(hass, runner, key, "sensor"))
        assert found is not None
        return found.state, dict(found.attributes)

    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, runner.subentry_id)})
    assert device is not None
    assert (device.manufacturer, device.model) == (NAME, MODEL_PROFILE)
    assert state("last_error")[0] == NO_ERROR  # shown as "No error", not "Unknown"

    await runner.async_upload()
    await hass.async_block_till_done()
    value, attributes = state("last_destination")
    assert value == "m1-snap.jpg"
    assert attributes["path"] == "incoming/2026/Yard/m1-snap.jpg"
    assert attributes["url"] == (
        f"ftp://anonymous@127.0.0.1:{vsftpd_server.port}/incoming/2026/Yard/m1-snap.jpg"
    )
    assert vsftpd_server.path("2026", "Yard", "m1-snap.jpg").exists()
    uploads, attributes = state("uploads_today")
    assert (uploads, attributes.get("unit_of_measurement")) == ("1", None)  # no "1 uploads"
    queued, attributes = state("queued_uploads")
    assert (queued, attributes.get("unit_of_measurement")) == ("0", None)
    assert state("last_error")[0] == NO_ERROR

    vsftpd_server.stop()
    with pytest.raises(HomeAssistantError):
        await runner.async_upload()
    await hass.async_block_till_done()
    error, _ = state("last_error")
    assert "Connect call failed" in error
    assert state("queued_uploads")[0] == "1"
    assert state("last_destination")[0] == "m1-snap.jpg"  # the last file that arrived

    vsftpd_server.start()
    await runner.async_upload()
    await hass.async_block_till_done()
    assert state("last_error")[0] == NO_ERROR
