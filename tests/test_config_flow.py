"""Tests for the first step of the config flow and the two entry kinds it creates."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
    SUBENTRY_CAMERA,
    SUBENTRY_PROFILE,
)
from custom_components.camupload.receiver_options import SECTION_ADVANCED
from custom_components.camupload.runtime import receiver_hub
from tests.conftest import free_port
from tests.frontend_text import render_message
from tests.receiver_setup import receiver_entry

STRINGS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"

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
        flow_id, {CONF_FTP_PORT: port, SECTION_ADVANCED: {CONF_LISTEN_ADDRESS: "127.0.0.1"}}
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
        flow_id, {CONF_FTP_PORT: free_port(), SECTION_ADVANCED: {CONF_LISTEN_ADDRESS: "127.0.0.1"}}
    )

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "receiver"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _server(host: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"garage@{host}",
        unique_id=f"ftp://garage@{host}:21",
        data={CONF_ENTRY_KIND: "server", "protocol": "ftp", "host": host, "port": 21},
    )


async def _start_subentry(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    return dict(result)


async def _abort_text(hass: HomeAssistant, kind: str, result: Mapping[str, Any]) -> str:
    """The abort message as the frontend shows it, placeholders filled in."""
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    key = f"component.{DOMAIN}.config_subentries.{kind}.abort.{result['reason']}"
    assert key in texts, key
    return render_message(texts[key], result["description_placeholders"] or {})


@pytest.mark.parametrize("kind", [SUBENTRY_CAMERA, SUBENTRY_PROFILE])
async def test_every_entry_offers_both_subentry_kinds(hass: HomeAssistant, kind: str) -> None:
    """The integration page's buttons list every entry: each must accept both kinds of flow."""
    receiver, server = receiver_entry(free_port()), _server("192.0.2.3")
    for entry in (receiver, server):
        entry.add_to_hass(hass)
        assert kind in entry.supported_subentry_types
        result = await _start_subentry(hass, entry, kind)
        assert result["type"] in {FlowResultType.FORM, FlowResultType.ABORT}


async def test_camera_on_a_server_names_the_receiver(hass: HomeAssistant) -> None:
    """A camera flow started on a server ends in a message naming the receiver entry."""
    server = _server("192.0.2.3")
    server.add_to_hass(hass)
    result = await _start_subentry(hass, server, SUBENTRY_CAMERA)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "camera_needs_receiver"
    assert "Upload receiver" in await _abort_text(hass, SUBENTRY_CAMERA, result)
    assert not server.subentries

    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    result = await _start_subentry(hass, server, SUBENTRY_CAMERA)
    assert result["reason"] == "camera_belongs_to_receiver"
    assert f"**{receiver.title}**" in await _abort_text(hass, SUBENTRY_CAMERA, result)
    # The receiver itself still adds cameras.
    assert (await _start_subentry(hass, receiver, SUBENTRY_CAMERA))["step_id"] == "user"


async def test_profile_on_the_receiver_names_the_servers(hass: HomeAssistant) -> None:
    """A profile flow started on the receiver ends in a message naming the server entries."""
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    subentries_before = set(receiver.subentries)
    result = await _start_subentry(hass, receiver, SUBENTRY_PROFILE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "profile_needs_server"
    assert "Upload server" in await _abort_text(hass, SUBENTRY_PROFILE, result)

    servers = [_server("192.0.2.3"), _server("192.0.2.4")]
    for server in servers:
        server.add_to_hass(hass)
    result = await _start_subentry(hass, receiver, SUBENTRY_PROFILE)
    assert result["reason"] == "profile_belongs_to_server"
    text = await _abort_text(hass, SUBENTRY_PROFILE, result)
    assert all(server.title in text for server in servers)
    assert set(receiver.subentries) == subentries_before
    # A server still adds profiles.
    assert (await _start_subentry(hass, servers[0], SUBENTRY_PROFILE))["step_id"] == "user"


async def test_texts_say_camera_upload(hass: HomeAssistant) -> None:
    """Users read the integration's name, never its domain; the add button says what it adds."""
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    assert DOMAIN not in json.dumps(strings).lower()
    # Frontends from 2026.2 label the integration page's add button with this, not "Add hub".
    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    assert texts[f"component.{DOMAIN}.config.initiate_flow.user"] == "Add receiver or server"
