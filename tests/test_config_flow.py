"""Tests for the first step of the config flow and the two entry kinds it creates."""

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
)
from custom_components.camupload.runtime import receiver_hub
from tests.conftest import free_port

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


def _state(entry: ConfigEntry) -> ConfigEntryState:
    """Read the state afresh (mypy would keep an earlier assertion's narrowing)."""
    return entry.state


async def _start(hass: HomeAssistant, kind: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["receiver", "server"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return result["flow_id"]


async def test_receiver_entry_loads_and_unloads(hass: HomeAssistant) -> None:
    """The menu's receiver branch creates an entry that loads and unloads."""
    flow_id = await _start(hass, "receiver")
    port = free_port()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_FTP_PORT: port, CONF_LISTEN_ADDRESS: "127.0.0.1"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Upload receiver"
    assert entry.data == {CONF_ENTRY_KIND: "receiver"}
    assert entry.options[CONF_FTP_PORT] == port
    assert entry.state is ConfigEntryState.LOADED
    hub = receiver_hub(entry)
    assert hub is not None
    assert hub.bound_ports() == {port}

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _state(entry) is ConfigEntryState.NOT_LOADED


async def test_second_receiver_is_refused(hass: HomeAssistant) -> None:
    """A Home Assistant runs one receiver: a second one aborts."""
    flow_id = await _start(hass, "receiver")
    await hass.config_entries.flow.async_configure(
        flow_id, {CONF_FTP_PORT: free_port(), CONF_LISTEN_ADDRESS: "127.0.0.1"}
    )

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "receiver"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
