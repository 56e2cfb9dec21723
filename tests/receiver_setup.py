"""Builds receiver config entries for the Home Assistant tests of the receiver."""

from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
    RECEIVER_DEFAULTS,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
)

USERNAME = "front_door"
PASSWORD = "s3cret-Passw0rd"
CAMERA_ENTITY = "camera.front_door"


def camera_subentry(name: str, username: str, password: str) -> ConfigSubentryData:
    """A camera subentry as the subentry flow would store it."""
    return ConfigSubentryData(
        data={CONF_USERNAME: username, CONF_PASSWORD: password},
        subentry_type=SUBENTRY_CAMERA,
        title=name,
        unique_id=username,
    )


def receiver_entry(ftp_port: int, **options: Any) -> MockConfigEntry:
    """A receiver on 127.0.0.1 with one camera, "Front door"."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Upload receiver",
        unique_id=RECEIVER_UNIQUE_ID,
        data={CONF_ENTRY_KIND: "receiver"},
        options={
            **RECEIVER_DEFAULTS,
            CONF_LISTEN_ADDRESS: "127.0.0.1",
            CONF_FTP_PORT: ftp_port,
            **options,
        },
        subentries_data=[camera_subentry("Front door", USERNAME, PASSWORD)],
    )
