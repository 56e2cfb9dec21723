"""The receiver's add and options flows and its camera subentry flow, each error recovering.

Its Reconfigure step (ports and addresses) is in test_flow_receiver_reconfigure.py.
"""

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import BasicAuth
from homeassistant.components import network
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import (
    CONF_ARCHIVE,
    CONF_ARCHIVE_DAYS,
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_HTTP_ON_HA,
    CONF_HTTP_PORT,
    CONF_IDLE_AFTER,
    CONF_LISTEN_ADDRESS,
    CONF_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    DEFAULT_LISTEN_ADDRESS,
    DOMAIN,
    RECEIVER_DEFAULTS,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
)
from custom_components.camupload.receiver.model import DEFAULT_MEMORY_BUDGET
from custom_components.camupload.receiver_ha.camera_flow import connection_details, derive_username
from custom_components.camupload.receiver_ha.settings import (
    ADVANCED_OPTIONS,
    CONNECTION_KEYS,
    OPTION_KEYS,
    SECTION_ADVANCED,
    ReceiverSettings,
    parse_port_range,
)
from tests.flow_forms import error_texts, serialized, shown, submitted
from tests.frontend_text import render_message
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import PASSWORD, USERNAME, camera_subentry, next_image, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

# Characters a code line shows in the camera dialog before it is cut off (22_camera_credentials).
DIALOG_CODE_WIDTH = 70


def _answers(**changes: object) -> dict[str, Any]:
    """The add form as the frontend submits it: advanced settings in their section."""
    flat = {**RECEIVER_DEFAULTS, CONF_LISTEN_ADDRESS: "127.0.0.1", **changes}
    return {
        **{key: value for key, value in flat.items() if key not in ADVANCED_OPTIONS},
        SECTION_ADVANCED: {key: flat[key] for key in ADVANCED_OPTIONS},
    }


async def _start_receiver_flow(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "receiver"}
    )
    return dict(result)


async def test_receiver_form_has_a_collapsed_advanced_section(hass: HomeAssistant) -> None:
    """Three fields at the top; the rest waits in "Advanced", every label translated."""
    result = await _start_receiver_flow(hass)
    form = serialized(result)
    assert set(form) == {"ftp_port", "http_on_home_assistant", "archive", SECTION_ADVANCED}
    advanced = form[SECTION_ADVANCED]
    assert advanced["type"] == "expandable"
    assert advanced["expanded"] is False
    inner = {field["name"] for field in advanced["schema"]}
    assert inner == set(ADVANCED_OPTIONS)
    # The defaults; an empty text field shows empty.
    assert shown(result) == {key: value for key, value in RECEIVER_DEFAULTS.items() if value != ""}

    texts = await async_get_translations(hass, "en", "config", [DOMAIN])
    step = f"component.{DOMAIN}.config.step.receiver"
    for name in set(form) - {SECTION_ADVANCED}:
        assert texts.get(f"{step}.data.{name}"), name
        assert texts.get(f"{step}.data_description.{name}"), name
    assert texts.get(f"{step}.sections.{SECTION_ADVANCED}.name")
    for name in inner:
        assert texts.get(f"{step}.sections.{SECTION_ADVANCED}.data.{name}"), name
        assert texts.get(f"{step}.sections.{SECTION_ADVANCED}.data_description.{name}"), name


async def test_receiver_form_errors_recover(hass: HomeAssistant) -> None:
    """Each bad value is named, a busy port by its number; fixing it creates the entry."""
    flow_id = (await _start_receiver_flow(hass))["flow_id"]
    configure = hass.config_entries.flow.async_configure
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = await configure(
            flow_id,
            _answers(**{CONF_FTP_PORT: busy, CONF_PUBLIC_ADDRESS: "camera.lan"}),
        )
        assert result["type"] is FlowResultType.FORM
        # A section's error shows above the section: its field is named in the message.
        assert result["errors"] == {
            CONF_FTP_PORT: "ftp_port_in_use",
            SECTION_ADVANCED: "invalid_public_address",
        }
        assert serialized(result)[SECTION_ADVANCED]["expanded"] is True
        # The form shows what was typed.
        assert shown(result)[CONF_PUBLIC_ADDRESS] == "camera.lan"
        assert shown(result)[CONF_FTP_PORT] == busy
        texts = await error_texts(hass, "config", result)
        assert str(busy) in texts[CONF_FTP_PORT]

        result = await configure(flow_id, _answers(**{CONF_FTP_PORT: port, CONF_HTTP_PORT: busy}))
        assert result["errors"] == {SECTION_ADVANCED: "http_port_in_use"}
        assert str(busy) in (await error_texts(hass, "config", result))[SECTION_ADVANCED]

        # A passive range whose every port is taken could never carry a transfer.
        result = await configure(
            flow_id, _answers(**{CONF_FTP_PORT: port, CONF_PASSIVE_PORTS: f"{busy}-{busy}"})
        )
        assert result["errors"] == {SECTION_ADVANCED: "passive_ports_in_use"}
        assert f"{busy}-{busy}" in (await error_texts(hass, "config", result))[SECTION_ADVANCED]

    result = await configure(
        flow_id, _answers(**{CONF_FTP_PORT: port, CONF_PASSIVE_PORTS: "60000-50000"})
    )
    assert result["errors"] == {SECTION_ADVANCED: "invalid_port_range"}
    result = await configure(flow_id, _answers(**{CONF_FTP_PORT: port, CONF_HTTP_PORT: port}))
    assert result["errors"] == {SECTION_ADVANCED: "same_port"}
    result = await configure(flow_id, _answers(**{CONF_LISTEN_ADDRESS: "everywhere"}))
    assert result["errors"] == {SECTION_ADVANCED: "invalid_listen_address"}
    # 192.0.2.1 is TEST-NET-1, an address no machine here has: binding to it fails.
    result = await configure(
        flow_id, _answers(**{CONF_LISTEN_ADDRESS: "192.0.2.1", CONF_FTP_PORT: port})
    )
    assert result["errors"] == {SECTION_ADVANCED: "address_not_available"}
    assert "192.0.2.1" in (await error_texts(hass, "config", result))[SECTION_ADVANCED]
    result = await configure(
        flow_id, _answers(**{CONF_FTP_PORT: port, CONF_PUBLIC_ADDRESS: "fe80::1"})
    )
    assert result["errors"] == {SECTION_ADVANCED: "invalid_public_address"}

    result = await configure(
        flow_id,
        _answers(**{CONF_FTP_PORT: port, CONF_PASSIVE_PORTS: " 50000-50010 "}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Where cameras connect is data, the rest options: each stored flat, as the form's
    # section never shows in them.
    assert set(result["data"]) == {CONF_ENTRY_KIND, *CONNECTION_KEYS}
    assert set(result["options"]) == set(OPTION_KEYS)
    assert result["data"][CONF_PASSIVE_PORTS] == "50000-50010"
    assert result["data"][CONF_LISTEN_ADDRESS] == "127.0.0.1"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_options_flow_shows_the_options_and_reloads(hass: HomeAssistant) -> None:
    """The options form shows the stored options, no port or address; saving reloads.

    Ports and addresses are the Reconfigure step's.
    """
    port = free_port()
    entry = receiver_entry(port, **{CONF_PASSIVE_PORTS: "50000-50010", CONF_IDLE_AFTER: 45})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    form = serialized(result)
    assert set(form) == {CONF_HTTP_ON_HA, CONF_ARCHIVE, SECTION_ADVANCED}
    assert form[SECTION_ADVANCED]["expanded"] is False
    inner = {field["name"] for field in form[SECTION_ADVANCED]["schema"]}
    assert inner == set(OPTION_KEYS) - {CONF_HTTP_ON_HA, CONF_ARCHIVE}
    assert shown(result) == {**entry.options, CONF_IDLE_AFTER: 45}
    texts = await async_get_translations(hass, "en", "options", [DOMAIN])
    step = f"component.{DOMAIN}.options.step.init"
    for name in inner:
        assert texts.get(f"{step}.sections.{SECTION_ADVANCED}.data.{name}"), name

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        submitted(
            result, **{CONF_MAX_UPLOAD_MB: 2, CONF_MEMORY_BUDGET_MB: 64, CONF_ARCHIVE_DAYS: 3}
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert set(entry.options) == set(OPTION_KEYS)
    assert entry.options[CONF_ARCHIVE_DAYS] == 3
    assert entry.options[CONF_IDLE_AFTER] == 45  # as shown, so kept
    assert entry.data[CONF_PASSIVE_PORTS] == "50000-50010"  # untouched
    assert entry.state is ConfigEntryState.LOADED
    hub = entry.runtime_data.hub
    assert hub.settings.max_upload_size == 2 * 1024 * 1024
    assert hub.receiver.config.max_upload_size == 2 * 1024 * 1024
    assert hub.receiver.memory.limit == 64 * 1024 * 1024
    assert hub.settings.passive_ports == range(50000, 50011)
    assert hub.bound_ports() == {port}


async def test_options_saved_before_the_memory_budget_start_with_its_default(
    hass: HomeAssistant,
) -> None:
    """A receiver whose stored options lack the memory budget starts with the engine's default."""
    options = {**RECEIVER_DEFAULTS, CONF_LISTEN_ADDRESS: "127.0.0.1", CONF_FTP_PORT: free_port()}
    del options[CONF_MEMORY_BUDGET_MB]
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=RECEIVER_UNIQUE_ID,
        data={CONF_ENTRY_KIND: "receiver"},
        options=options,
        subentries_data=[camera_subentry("Front door", USERNAME, PASSWORD)],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.receiver.memory.limit == DEFAULT_MEMORY_BUDGET


async def _add_camera(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {"name": name})
    return dict(result)


async def test_add_camera_creates_it_on_the_name(hass: HomeAssistant, tmp_path: Path) -> None:
    """Submitting the name adds the camera; the "created" dialog then shows its login once.

    Nothing is left to submit, so closing that dialog cannot lose the camera, and the curl
    line it shows uploads as it stands.
    """
    entry = receiver_entry(free_port(), **{CONF_HTTP_PORT: free_port()})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "   "}
    )
    assert result["errors"] == {"name": "name_required"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Front Door"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    shown = result["description_placeholders"]
    assert shown is not None
    assert shown["username"] == "front_door_2"  # "front_door" is taken
    assert len(shown["password"]) >= 12
    created = [s for s in entry.subentries.values() if s.title == "Front Door"]
    assert created[0].data == {CONF_USERNAME: "front_door_2", CONF_PASSWORD: shown["password"]}

    # The "created" dialog's text, rendered as the frontend does.
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    text = render_message(
        texts[f"component.{DOMAIN}.config_subentries.{SUBENTRY_CAMERA}.create_entry.default"],
        shown,
    )
    assert "Front Door" in text
    assert shown["password"] in text
    assert shown["curl"] in text
    assert all(len(line) <= DIALOG_CODE_WIDTH for line in shown["curl"].splitlines())

    await hass.async_block_till_done()
    assert hass.states.get("camera.front_door_2") is not None
    (tmp_path / "image.jpg").write_bytes(make_jpeg(3))
    received = next_image(hass)
    curl = await asyncio.create_subprocess_exec(
        "bash", "-c", shown["curl"], cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL
    )
    assert await curl.wait() == 0
    event = await asyncio.wait_for(received, 10)
    assert event.data["entity_id"] == "camera.front_door_2"


async def test_ftp_only_receiver_shows_a_working_ftp_curl(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """Without HTTP uploads the dialog's curl line uploads by FTP."""
    entry = receiver_entry(free_port(), **{CONF_HTTP_ON_HA: False})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await _add_camera(hass, entry, "Garage")
    shown = result["description_placeholders"]
    assert shown["photo_url"] == shown["mjpeg_url"] == "-"
    assert f"ftp://127.0.0.1:{entry.data[CONF_FTP_PORT]}/" in shown["curl"]
    await hass.async_block_till_done()
    (tmp_path / "image.jpg").write_bytes(make_jpeg(4))
    received = next_image(hass)
    curl = await asyncio.create_subprocess_exec(
        "bash", "-c", shown["curl"], cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL
    )
    assert await curl.wait() == 0
    event = await asyncio.wait_for(received, 10)
    assert event.data["entity_id"] == "camera.garage"


@pytest.mark.parametrize(
    ("connection", "internal_url", "expected"),
    [
        # The address announced to cameras wins.
        ({CONF_PUBLIC_ADDRESS: "192.0.2.7"}, "http://192.0.2.9:8123", "192.0.2.7"),
        # A single listen address is the only one the FTP server answers on.
        ({CONF_LISTEN_ADDRESS: "192.0.2.8"}, "http://192.0.2.9:8123", "192.0.2.8"),
        # Listening everywhere: the IP address of Home Assistant's internal URL.
        ({CONF_LISTEN_ADDRESS: DEFAULT_LISTEN_ADDRESS}, "http://192.0.2.9:8123", "192.0.2.9"),
        # A name there may not resolve on a camera: the network's own address instead.
        ({CONF_LISTEN_ADDRESS: DEFAULT_LISTEN_ADDRESS}, "http://homeassistant.local:8123", None),
    ],
)
async def test_one_host_for_ftp_and_http(
    hass: HomeAssistant,
    connection: dict[str, str],
    internal_url: str,
    expected: str | None,
) -> None:
    """The camera page names one host for FTP, HTTP, MJPEG and curl (22_camera_credentials)."""
    await hass.config.async_update(internal_url=internal_url)
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    # The flow shows the entry's settings; these vary them without binding ports.
    settings = ReceiverSettings.from_stored({**entry.data, **connection}, entry.options)
    shown = await connection_details(hass, settings, "porch", "pw")
    host = expected or await network.async_get_source_ip(hass)
    assert shown["host"] == host
    api = hass.config.api
    assert api is not None
    base = f"http://{host}:{api.port}"
    assert shown["photo_url"] == f"{base}/photo/porch"
    assert shown["mjpeg_url"] == f"{base}/upload/porch"
    assert shown["curl"].splitlines()[-1].strip() == shown["photo_url"]

    # A dedicated HTTP port is served on the same host.
    settings = ReceiverSettings.from_stored(
        {**entry.data, **connection, CONF_HTTP_PORT: 8099}, entry.options
    )
    dedicated = await connection_details(hass, settings, "porch", "pw")
    assert dedicated["host"] == host
    assert dedicated["photo_url"] == f"http://{host}:8099/photo/porch"


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
        (entry.entry_id, SUBENTRY_CAMERA),
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

    # The receiver takes the new password and refuses the old one.
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
        (entry.entry_id, SUBENTRY_CAMERA),
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
