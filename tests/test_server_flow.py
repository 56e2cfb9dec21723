"""The "Upload server" flow against real servers on loopback: add, reconfigure, reauthenticate."""

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
import voluptuous as vol
from aiohttp import BasicAuth, web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from PIL import Image

from custom_components.camupload.const import CONF_HTTP_PATH, DOMAIN
from custom_components.camupload.runtime import uploader_hub
from custom_components.camupload.uploader.network_test import TEST_DATA
from tests.ports import free_port
from tests.profile_setup import ftp_answers, server_entry
from tests.receiver_setup import PASSWORD, USERNAME, receiver_entry
from tests.uploader.servers import BAD_PASSWORD, FtpServer

pytestmark = pytest.mark.enable_socket

HTTP_USER = "cam"
HTTP_PASSWORD = "pw"


def _placeholders(result: Any) -> dict[str, str]:  # noqa: ANN401
    return dict(result["description_placeholders"] or {})


def _as_shown(result: Any) -> dict[str, Any]:  # noqa: ANN401
    """The values the frontend puts in a form's fields before the user touches them."""
    shown: dict[str, Any] = {}
    for marker in result["data_schema"].schema:
        suggested = (marker.description or {}).get("suggested_value")
        if suggested is not None:
            shown[marker.schema] = suggested
        elif marker.default is not vol.UNDEFINED:
            shown[marker.schema] = marker.default()
    return shown


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    del socket_enabled


@pytest.fixture
async def http_server() -> AsyncIterator[int]:
    """A real HTTP server: /photo/cam wants Basic auth, /deny answers 403, others 404."""

    async def photo(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if auth != BasicAuth(HTTP_USER, HTTP_PASSWORD).encode():
            return web.Response(status=401, text="who are you")
        await request.read()
        return web.Response(text="stored")

    async def deny(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=403, text="read only")

    app = web.Application()
    app.router.add_post(f"/photo/{HTTP_USER}", photo)
    app.router.add_post("/deny", deny)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def _server_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "server"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "server"
    return str(result["flow_id"])


async def test_ftp_server_errors_recover_to_an_entry(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Nothing listening, then a refused password, then the right login creates the entry."""
    flow_id = await _server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, ftp_answers(vsftpd_server, port=free_port())
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert _placeholders(result)["error"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, ftp_answers(vsftpd_server, password=BAD_PASSWORD)
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(flow_id, ftp_answers(vsftpd_server))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "anonymous@127.0.0.1"
    assert entry.data[CONF_PORT] == vsftpd_server.port
    assert entry.state is ConfigEntryState.LOADED
    hub = uploader_hub(entry)
    assert hub is not None
    assert hub.destination.host == "127.0.0.1"
    assert await hass.config_entries.async_unload(entry.entry_id)

    # The same server cannot be added twice.
    flow_id = await _server_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, ftp_answers(vsftpd_server))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _http_answers(port: int, **overrides: Any) -> dict[str, Any]:  # noqa: ANN401
    return {
        "protocol": "http",
        "host": "127.0.0.1",
        "port": port,
        "username": HTTP_USER,
        "password": HTTP_PASSWORD,
        "passive": True,
        "verify_tls": True,
        "http_path": "",
        **overrides,
    }


async def test_http_server_errors_recover_to_an_entry(
    hass: HomeAssistant, http_server: int
) -> None:
    """401, 403 and 404 each have their own error; the right path and password succeed."""
    flow_id = await _server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _http_answers(http_server, password="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert "who are you" in _placeholders(result)["error"]

    # The form comes back with what was typed, the password too.
    assert _as_shown(result)[CONF_PASSWORD] == "wrong"

    result = await hass.config_entries.flow.async_configure(
        flow_id, _http_answers(http_server, http_path="/deny")
    )
    assert result["errors"] == {"base": "permission_denied"}
    assert _as_shown(result)[CONF_PASSWORD] == HTTP_PASSWORD

    result = await hass.config_entries.flow.async_configure(
        flow_id, _http_answers(http_server, http_path="/nowhere")
    )
    assert result["errors"] == {"base": "protocol_error"}

    # The user only empties the path; the frontend then leaves the field out.
    answers = _as_shown(result)
    del answers[CONF_HTTP_PATH]
    result = await hass.config_entries.flow.async_configure(flow_id, answers)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HTTP_PATH] == ""
    assert result["data"][CONF_PASSWORD] == HTTP_PASSWORD
    assert result["title"] == f"{HTTP_USER}@127.0.0.1"


def test_login_check_image_is_a_real_jpeg() -> None:
    """The image the login check and the network test send decodes as a JPEG."""
    with Image.open(io.BytesIO(TEST_DATA)) as image:
        image.load()
        assert (image.format, image.size) == ("JPEG", (1, 1))


async def test_http_server_pointed_at_our_receiver(hass: HomeAssistant) -> None:
    """An HTTP server entry on camupload's own receiver (which checks JPEGs) can be added."""
    http_port = free_port()
    receiver = receiver_entry(free_port(), http_port=http_port)
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()

    flow_id = await _server_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _http_answers(
            http_port, username=USERNAME, password=PASSWORD, http_path=f"/photo/{USERNAME}"
        ),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    assert result["title"] == f"{USERNAME}@127.0.0.1"


async def test_reconfigure_checks_the_login_and_keeps_the_password(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """A wrong port is refused; an empty password keeps the stored one."""
    entry = server_entry(ftp_answers(vsftpd_server))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    answers = ftp_answers(vsftpd_server, password="", port=free_port())
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["errors"] == {"base": "cannot_connect"}

    answers = ftp_answers(vsftpd_server, password="", passive=False)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == vsftpd_server.password
    assert entry.data["passive"] is False
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_can_empty_the_path_and_never_shows_the_password(
    hass: HomeAssistant, http_server: int
) -> None:
    """Emptied optional fields are emptied (not reset to their old values); the password stays."""
    entry = server_entry(_http_answers(http_server, http_path=f"/photo/{HTTP_USER}"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    shown = _as_shown(result)
    assert shown[CONF_HTTP_PATH] == f"/photo/{HTTP_USER}"
    assert not shown.get(CONF_PASSWORD)  # the stored password never reaches the browser

    # Emptied path and user: the stored password is not kept for another (anonymous) login.
    answers = {**shown}
    del answers[CONF_HTTP_PATH], answers["username"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["errors"] == {CONF_PASSWORD: "password_needed"}
    assert "username" not in _as_shown(result)
    assert not _as_shown(result).get(CONF_PASSWORD)

    # Typed for the anonymous login: checked, and the default path /photo/ is refused (404).
    answers = {**_as_shown(result), CONF_PASSWORD: HTTP_PASSWORD}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["errors"] == {"base": "protocol_error"}
    assert _as_shown(result)[CONF_PASSWORD] == HTTP_PASSWORD  # typed, so shown again

    # Only the path emptied, the user back as stored: an empty password keeps the stored one.
    answers = {**_as_shown(result), "username": HTTP_USER}
    del answers[CONF_PASSWORD]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HTTP_PATH] == ""
    assert entry.data[CONF_PASSWORD] == HTTP_PASSWORD
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_onto_another_entrys_server_aborts(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Two entries never share a server: moving one onto the other's aborts, nothing changes."""
    existing = server_entry(ftp_answers(vsftpd_server))
    existing.add_to_hass(hass)
    other_port = free_port()
    moved = server_entry(ftp_answers(vsftpd_server, port=other_port))
    moved.add_to_hass(hass)

    result = await moved.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], ftp_answers(vsftpd_server, password="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert moved.data[CONF_PORT] == other_port
    assert moved.unique_id != existing.unique_id


async def test_reauth_wrong_then_right_password(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """A refused password keeps the form open with invalid_auth; the right one is saved."""
    entry = server_entry(ftp_answers(vsftpd_server, password=BAD_PASSWORD))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: BAD_PASSWORD}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: vsftpd_server.password}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == vsftpd_server.password
