"""Builds receiver config entries for the Home Assistant tests of the receiver."""

import asyncio

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
    EVENT_IMAGE_RECEIVED,
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


def receiver_entry(ftp_port: int, **options: object) -> MockConfigEntry:
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


def next_image(hass: HomeAssistant) -> "asyncio.Future[Event]":
    """A future for the next image event; create it before the upload that should fire it."""
    future: asyncio.Future[Event] = hass.loop.create_future()

    @callback
    def _received(event: Event) -> None:
        if not future.done():
            future.set_result(event)
        remove()

    remove = hass.bus.async_listen(EVENT_IMAGE_RECEIVED, _received)
    return future
