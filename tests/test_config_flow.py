"""Tests for the first step of the config flow and the two entry kinds it creates."""

import ftplib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
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
from custom_components.camupload.receiver_ha.settings import (
    CONNECTION_KEYS,
    OPTION_KEYS,
    SECTION_ADVANCED,
)
from custom_components.camupload.runtime import receiver_hub
from tests.frontend_text import render_message
from tests.ports import free_port
from tests.receiver_setup import receiver_entry

# What users read: strings.json with its [%key:...%] references resolved.
STRINGS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "translations" / "en.json"

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
    # Where cameras connect is data (the entry's Reconfigure); the rest are options.
    assert set(entry.data) == {CONF_ENTRY_KIND, *CONNECTION_KEYS}
    assert entry.data[CONF_ENTRY_KIND] == "receiver"
    assert entry.data[CONF_FTP_PORT] == port
    assert set(entry.options) == set(OPTION_KEYS)
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
    """The integration page's buttons list every entry: each opens the flow's first form."""
    receiver, server = receiver_entry(free_port()), _server("192.0.2.3")
    for entry in (receiver, server):
        entry.add_to_hass(hass)
    for entry in (receiver, server):
        assert kind in entry.supported_subentry_types
        result = await _start_subentry(hass, entry, kind)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "user"


def _ftp_login_reply(port: int, username: str, password: str) -> str:
    """The receiver's reply to an FTP login (230 accepted, 530 refused)."""
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        try:
            return ftp.login(username, password)
        except ftplib.error_perm as refused:
            return str(refused)


async def test_camera_started_on_a_server_goes_to_the_receiver(hass: HomeAssistant) -> None:
    """Add camera picked on a server adds the camera to the receiver, whose login works at once.

    The flow ends in a message with the same login text as the "created" dialog.
    """
    server = _server("192.0.2.3")
    server.add_to_hass(hass)
    result = await _start_subentry(hass, server, SUBENTRY_CAMERA)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "camera_needs_receiver"
    assert "Upload receiver" in await _abort_text(hass, SUBENTRY_CAMERA, result)

    port = free_port()
    receiver = receiver_entry(port)
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()
    result = await _start_subentry(hass, server, SUBENTRY_CAMERA)
    assert result["type"] is FlowResultType.FORM
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], {"name": "Garage"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "camera_added_to_receiver"
    assert not server.subentries
    (camera,) = [sub for sub in receiver.subentries.values() if sub.title == "Garage"]
    assert camera.subentry_type == SUBENTRY_CAMERA
    assert camera.unique_id == "garage"
    shown = result["description_placeholders"]
    assert camera.data == {CONF_USERNAME: "garage", CONF_PASSWORD: shown["password"]}

    text = await _abort_text(hass, SUBENTRY_CAMERA, result)
    assert "**Garage** was added to the Upload receiver" in text
    assert "User name: `garage`" in text
    assert f"Password: `{shown['password']}`" in text
    assert shown["curl"] in text
    # The receiver's accounts take the new login now; a wrong password is still refused.
    login = await hass.async_add_executor_job(_ftp_login_reply, port, "garage", shown["password"])
    assert login.startswith("230"), login
    login = await hass.async_add_executor_job(_ftp_login_reply, port, "garage", "wrong")
    assert login.startswith("530"), login

    # The receiver itself still adds cameras the usual way.
    result = await _start_subentry(hass, receiver, SUBENTRY_CAMERA)
    result = dict(
        await hass.config_entries.subentries.async_configure(result["flow_id"], {"name": "Gate"})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {sub.title for sub in receiver.subentries.values()} == {"Front door", "Garage", "Gate"}
    assert await hass.config_entries.async_unload(receiver.entry_id)


async def test_profile_started_on_the_receiver_without_a_server(hass: HomeAssistant) -> None:
    """With no upload server, Add upload profile on the receiver says to add a server first."""
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    subentries_before = set(receiver.subentries)
    result = await _start_subentry(hass, receiver, SUBENTRY_PROFILE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "profile_needs_server"
    assert "Upload server" in await _abort_text(hass, SUBENTRY_PROFILE, result)
    assert set(receiver.subentries) == subentries_before


async def test_texts_say_camera_upload(hass: HomeAssistant) -> None:
    """Users read the integration's name, never its domain; the add button says what it adds."""
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    assert DOMAIN not in json.dumps(strings).lower()
    # Frontends from 2026.2 label the integration page's add button with this, not "Add hub".
    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    assert texts[f"component.{DOMAIN}.config.initiate_flow.user"] == "Add receiver or server"
