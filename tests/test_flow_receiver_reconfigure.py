"""The receiver's Reconfigure step: where cameras connect (ports, addresses), checked and saved."""

import ftplib
import socket

import pytest
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_LISTEN_ADDRESS,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    DEFAULT_LISTEN_ADDRESS,
    DOMAIN,
)
from custom_components.camupload.receiver_ha.settings import CONNECTION_KEYS
from tests.flow_forms import EMPTIED, error_texts, serialized, shown, submitted
from tests.ports import free_port
from tests.receiver_setup import PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

STEP = "reconfigure_receiver"


async def _loaded(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def _ftp_login(port: int) -> str:
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        return ftp.login(USERNAME, PASSWORD)


def _state(entry: ConfigEntry) -> ConfigEntryState:
    """Read the state afresh (mypy would keep an earlier assertion's narrowing)."""
    return entry.state


async def test_reconfigure_shows_rechecks_and_moves_the_receiver(hass: HomeAssistant) -> None:
    """The form shows where cameras connect; a busy port is refused; saving moves the receiver.

    The receiver's own FTP port counts as free; options stay as they were.
    """
    port, new_port = free_port(), free_port()
    entry = receiver_entry(
        port, **{CONF_PASSIVE_PORTS: "50000-50010", CONF_PUBLIC_ADDRESS: "192.0.2.7"}
    )
    await _loaded(hass, entry)
    options = dict(entry.options)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == STEP
    assert set(serialized(result)) == set(CONNECTION_KEYS)
    assert shown(result) == {
        CONF_FTP_PORT: port,
        CONF_HTTP_PORT: 0,
        CONF_LISTEN_ADDRESS: "127.0.0.1",
        CONF_PASSIVE_PORTS: "50000-50010",
        CONF_PUBLIC_ADDRESS: "192.0.2.7",
    }
    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    for key in CONNECTION_KEYS:
        assert texts.get(f"component.{DOMAIN}.config.step.{STEP}.data.{key}"), key
        assert texts.get(f"component.{DOMAIN}.config.step.{STEP}.data_description.{key}"), key

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], submitted(result, **{CONF_HTTP_PORT: busy})
        )
    assert result["errors"] == {CONF_HTTP_PORT: "http_port_in_use"}
    assert str(busy) in (await error_texts(hass, "config", result))[CONF_HTTP_PORT]
    assert shown(result)[CONF_HTTP_PORT] == busy  # what was typed, shown again

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], submitted(result, **{CONF_HTTP_PORT: 0, CONF_FTP_PORT: new_port})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "receiver_reconfigured"
    assert texts.get(f"component.{DOMAIN}.config.abort.receiver_reconfigured")
    await hass.async_block_till_done()
    assert entry.data[CONF_FTP_PORT] == new_port
    assert entry.data[CONF_PASSIVE_PORTS] == "50000-50010"
    assert entry.options == options
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.bound_ports() == {new_port}
    assert (await hass.async_add_executor_job(_ftp_login, new_port)).startswith("230")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_can_empty_the_announced_address(hass: HomeAssistant) -> None:
    """An emptied optional field is saved empty, not reset to what it was."""
    port = free_port()
    entry = receiver_entry(
        port, **{CONF_PASSIVE_PORTS: "50000-50010", CONF_PUBLIC_ADDRESS: "192.0.2.7"}
    )
    await _loaded(hass, entry)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        submitted(result, **{CONF_PUBLIC_ADDRESS: EMPTIED, CONF_PASSIVE_PORTS: EMPTIED}),
    )
    assert result["reason"] == "receiver_reconfigured"
    await hass.async_block_till_done()
    assert entry.data[CONF_PUBLIC_ADDRESS] == ""
    assert entry.data[CONF_PASSIVE_PORTS] == ""
    hub = entry.runtime_data.hub
    assert hub.settings.public_address is None
    assert hub.settings.passive_ports is None


@pytest.mark.parametrize("passive_ports", ["", "50000-50002"])
async def test_reconfigure_refuses_an_address_this_machine_lacks(
    hass: HomeAssistant, passive_ports: str
) -> None:
    """Moving the receiver to a foreign address is named as such, its own port kept or not.

    The receiver's own FTP port, and a passive range, once hid the address: no error (then a
    reload stuck retrying) or "every passive port in use".
    """
    port = free_port()
    entry = receiver_entry(port, **{CONF_PASSIVE_PORTS: passive_ports})
    await _loaded(hass, entry)

    result = await entry.start_reconfigure_flow(hass)
    # 192.0.2.1 is TEST-NET-1, an address no machine here has: binding to it fails.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], submitted(result, **{CONF_LISTEN_ADDRESS: "192.0.2.1"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_LISTEN_ADDRESS: "address_not_available"}
    assert "192.0.2.1" in (await error_texts(hass, "config", result))[CONF_LISTEN_ADDRESS]
    assert entry.data[CONF_LISTEN_ADDRESS] == "127.0.0.1"
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_checks_the_own_port_on_a_new_address(hass: HomeAssistant) -> None:
    """The receiver's port counts as its own only where its sockets would be in the way.

    On another address of this machine another program may hold that port; on an address that
    overlaps the current one (a wildcard) the test bind meets the receiver's own socket, which
    the reload releases first.
    """
    port = free_port()
    entry = receiver_entry(port)
    await _loaded(hass, entry)

    result = await entry.start_reconfigure_flow(hass)
    with socket.socket() as taken:
        # 127.0.0.2 is loopback too (127.0.0.0/8): another program holds the port there.
        taken.bind(("127.0.0.2", port))
        taken.listen()
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], submitted(result, **{CONF_LISTEN_ADDRESS: "127.0.0.2"})
        )
    assert result["errors"] == {CONF_FTP_PORT: "ftp_port_in_use"}
    assert str(port) in (await error_texts(hass, "config", result))[CONF_FTP_PORT]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], submitted(result, **{CONF_LISTEN_ADDRESS: DEFAULT_LISTEN_ADDRESS})
    )
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.receiver.config.host == DEFAULT_LISTEN_ADDRESS
    assert entry.runtime_data.hub.bound_ports() == {port}
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_starts_a_receiver_whose_port_was_taken(hass: HomeAssistant) -> None:
    """A receiver retrying because another program holds its port starts on the new port at once.

    While it retries, its old port is another program's like any other.
    """
    new_port = free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        entry = receiver_entry(taken)
        entry.add_to_hass(hass)
        assert not await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY

        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], submitted(result)
        )
        assert result["errors"] == {CONF_FTP_PORT: "ftp_port_in_use"}
        assert str(taken) in (await error_texts(hass, "config", result))[CONF_FTP_PORT]

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], submitted(result, **{CONF_FTP_PORT: new_port})
        )
        assert result["type"] is FlowResultType.ABORT
        await hass.async_block_till_done()
    assert _state(entry) is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.bound_ports() == {new_port}
    assert await hass.config_entries.async_unload(entry.entry_id)
