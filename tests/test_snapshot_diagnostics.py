"""Diagnostics of both entry kinds, as snapshots (core's way), taken at a fixed moment."""

import pytest

# Diagnostics import hassio, whose models (mashumaro) cannot be built while freezegun holds the
# clock on Home Assistant 2025.4's test plugin: imported here, before any test freezes it.
from homeassistant.components import hassio  # noqa: F401
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.camupload.const import CONF_FTP_PORT
from tests.snapshot_setup import FROZEN_TIME

pytestmark = [pytest.mark.enable_socket, pytest.mark.freeze_time(FROZEN_TIME)]


@pytest.fixture
async def diagnostics_component(hass: HomeAssistant) -> None:
    """Diagnostics set up before any client starts Home Assistant's web server.

    Home Assistant 2025.4's test server freezes its routes once a client starts it.
    """
    assert await async_setup_component(hass, "diagnostics", {})


@pytest.mark.usefixtures("diagnostics_component", "front_door_frame")
async def test_receiver_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_receiver: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The receiver's entry, ports and a camera's counters after an upload; passwords redacted.

    The FTP port is a free one, different on each run: the snapshot keeps its type, and the
    diagnostics must report the port the entry asks for.
    """
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_receiver)

    assert diagnostics["receiver"]["ports"] == [init_receiver.data[CONF_FTP_PORT]]
    assert diagnostics == snapshot(
        matcher=path_type({"entry.data.ftp_port": (int,), "receiver.ports.0": (int,)})
    )


async def test_server_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_server: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The server's entry and each profile's state; passwords redacted."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_server)

    assert diagnostics == snapshot
