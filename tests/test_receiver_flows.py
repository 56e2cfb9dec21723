"""The receiver's config, options and camera subentry flows, each error recovering."""

import socket

import pytest
from aiohttp import BasicAuth
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.camera_subentry import derive_username
from custom_components.camupload.const import (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_LISTEN_ADDRESS,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    DOMAIN,
    RECEIVER_DEFAULTS,
)
from custom_components.camupload.receiver_options import parse_port_range
from tests.conftest import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


def _answers(**changes: object) -> dict[str, object]:
    return {**RECEIVER_DEFAULTS, CONF_LISTEN_ADDRESS: "127.0.0.1", **changes}


async def test_receiver_form_errors_recover(hass: HomeAssistant) -> None:
    """Each bad value is named on the form; fixing it creates the entry."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "receiver"}
    )
    flow_id = result["flow_id"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            _answers(
                **{
                    CONF_FTP_PORT: busy,
                    CONF_PASSIVE_PORTS: "60000-50000",
                    CONF_PUBLIC_ADDRESS: "camera.lan",
                }
            ),
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {
            CONF_FTP_PORT: "port_in_use",
            CONF_PASSIVE_PORTS: "invalid_port_range",
            CONF_PUBLIC_ADDRESS: "invalid_address",
        }

    port = free_port()
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(**{CONF_FTP_PORT: port, CONF_HTTP_PORT: port})
    )
    assert result["errors"] == {CONF_HTTP_PORT: "same_port"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(**{CONF_LISTEN_ADDRESS: "everywhere"})
    )
    assert result["errors"] == {CONF_LISTEN_ADDRESS: "invalid_address"}
    # 192.0.2.1 is TEST-NET-1, an address no machine here has: binding to it fails.
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(**{CONF_LISTEN_ADDRESS: "192.0.2.1", CONF_FTP_PORT: port})
    )
    assert result["errors"] == {CONF_LISTEN_ADDRESS: "address_not_available"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(**{CONF_FTP_PORT: port, CONF_PUBLIC_ADDRESS: "fe80::1"})
    )
    assert result["errors"] == {CONF_PUBLIC_ADDRESS: "invalid_address"}

    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _answers(**{CONF_FTP_PORT: port, CONF_PASSIVE_PORTS: " 50000-50010 "}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"][CONF_PASSIVE_PORTS] == "50000-50010"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_options_flow_rechecks_and_reloads(hass: HomeAssistant) -> None:
    """The receiver's own port counts as free; another taken port is refused; saving reloads."""
    port = free_port()
    entry = receiver_entry(port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            _answers(**{CONF_FTP_PORT: port, CONF_HTTP_PORT: taken.getsockname()[1]}),
        )
    assert result["errors"] == {CONF_HTTP_PORT: "port_in_use"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _answers(**{CONF_FTP_PORT: port, "max_upload_mb": 2})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.receiver.config.max_upload_size == 2 * 1024 * 1024


async def test_add_camera_shows_its_login(hass: HomeAssistant) -> None:
    """Adding a camera asks for a name, allocates a login and shows what to type in."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "camera"), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "   "}
    )
    assert result["errors"] == {"name": "name_required"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Front Door"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    shown = result["description_placeholders"]
    assert shown is not None
    assert shown["username"] == "front_door_2"  # "front_door" is taken
    assert len(shown["password"]) >= 12
    assert shown["photo_url"].endswith("/photo/front_door_2")
    assert shown["mjpeg_url"].endswith("/upload/front_door_2")
    assert f"front_door_2:{shown['password']}@" in shown["curl"]

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    created = [s for s in entry.subentries.values() if s.title == "Front Door"]
    assert created[0].data == {CONF_USERNAME: "front_door_2", CONF_PASSWORD: shown["password"]}
    # The new camera is live after the reload.
    assert hass.states.get("camera.front_door_2") is not None


async def test_reconfigure_renames_and_regenerates(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Reconfigure keeps the login name, can rename the camera and change its password."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    subentry_id = next(iter(entry.subentries))

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "camera"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["description_placeholders"]["password"] == PASSWORD  # type: ignore[index]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "", "regenerate_password": True}
    )
    assert result["errors"] == {"name": "name_required"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Porch", "regenerate_password": True}
    )
    assert result["step_id"] == "new_password"
    new_password = result["description_placeholders"]["password"]  # type: ignore[index]
    assert new_password != PASSWORD
    assert entry.subentries[subentry_id].data[CONF_PASSWORD] == PASSWORD  # not yet saved
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = entry.subentries[subentry_id]
    assert subentry.title == "Porch"
    assert subentry.data[CONF_USERNAME] == USERNAME
    assert subentry.data[CONF_PASSWORD] == new_password

    # The reloaded receiver takes the new password and refuses the old one.
    client = await hass_client_no_auth()
    jpeg = make_jpeg(5)
    old = await client.post(f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD))
    assert old.status == 401
    new = await client.post(f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, new_password))
    assert new.status == 200


async def test_rename_keeps_the_password(hass: HomeAssistant) -> None:
    """Reconfigure without a new password saves at once."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    subentry_id = next(iter(entry.subentries))
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "camera"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Gate", "regenerate_password": False}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.subentries[subentry_id].title == "Gate"
    assert entry.subentries[subentry_id].data[CONF_PASSWORD] == PASSWORD


def test_usernames_and_port_ranges() -> None:
    """Names become unique logins; port ranges are checked at their edges."""
    assert derive_username("Garage / Side", set()) == "garage_side"
    assert derive_username("!!!", set()) == "camera"
    assert derive_username("x" * 40, {"x" * 32}) == "x" * 30 + "_2"
    assert parse_port_range("") is None
    assert parse_port_range("1024-65535") == range(1024, 65536)
    for bad in ("1023-2000", "5000", "6000-5000", "a-b", "1024-65536"):
        with pytest.raises(ValueError, match=r"."):
            parse_port_range(bad)
