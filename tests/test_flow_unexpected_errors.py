"""An unexpected error in a step's check is the form error "unknown", and the step recovers.

A host name with a label longer than 63 characters makes Python's IDNA codec raise
UnicodeError out of every connect; other steps have no input that breaks their check, so a
stand-in makes the check's first call fail the way a bug would.
"""

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations

from custom_components.camupload import config_flow
from custom_components.camupload.const import (
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
    SUBENTRY_PROFILE,
)
from custom_components.camupload.receiver_ha import port_check
from custom_components.camupload.uploader_ha import profile_flow
from custom_components.camupload.uploader_ha.naming import check_name_template
from custom_components.camupload.uploader_ha.server_form import async_check_login
from tests.flow_forms import error_texts, submitted
from tests.ports import free_port
from tests.profile_setup import TEST_CAMERA, ftp_answers, server_entry, setup_camera
from tests.receiver_setup import receiver_entry
from tests.uploader.servers import BAD_PASSWORD, FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

# One DNS label is at most 63 characters; the IDNA codec refuses a longer one.
LONG_LABEL_HOST = "a" * 64 + ".example"
UNKNOWN = {"base": "unknown"}


class FailsOnce:
    """Stands in for a function: its first calls raise what nobody expects, later ones pass."""

    def __init__(self, function: Callable[..., Any], failures: int = 1) -> None:
        """Wrap function, failing its first `failures` calls."""
        self.function = function
        self.failures = failures

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        """Raise while failures are left; call the function afterwards."""
        if self.failures:
            self.failures -= 1
            msg = "a bug in a check"
            raise RuntimeError(msg)
        return self.function(*args, **kwargs)


async def _assert_unknown(
    hass: HomeAssistant,
    result: Mapping[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The form is shown again with "unknown", its text renders, and the log has the traceback."""
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == UNKNOWN
    assert "log" in (await error_texts(hass, "config", result))["base"]
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged, "the unexpected error was not logged with its traceback"


async def _server_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "server"}
    )
    return str(result["flow_id"])


async def test_server_add_survives_a_host_the_idna_codec_refuses(
    hass: HomeAssistant, vsftpd_server: FtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A 64-character label once raised UnicodeEncodeError out of the flow; now it is "unknown"."""
    flow_id = await _server_form(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(flow_id, ftp_answers(vsftpd_server, host=LONG_LABEL_HOST))
    await _assert_unknown(hass, result, caplog)
    assert "label too long" in caplog.text

    result = await configure(flow_id, ftp_answers(vsftpd_server))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_server_reconfigure_survives_a_host_the_idna_codec_refuses(
    hass: HomeAssistant, vsftpd_server: FtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The same host typed into Reconfigure; the right one then saves."""
    entry = server_entry(ftp_answers(vsftpd_server))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(
        result["flow_id"], ftp_answers(vsftpd_server, host=LONG_LABEL_HOST, passive=False)
    )
    await _assert_unknown(hass, result, caplog)
    assert entry.data[CONF_HOST] == "127.0.0.1"

    result = await configure(result["flow_id"], ftp_answers(vsftpd_server, passive=False))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["passive"] is False
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_recovers_from_an_unexpected_error(
    hass: HomeAssistant,
    vsftpd_server: FtpServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The login check breaks once; the next try saves the new password."""
    entry = server_entry(ftp_answers(vsftpd_server, password=BAD_PASSWORD))
    entry.add_to_hass(hass)
    monkeypatch.setattr(config_flow, "async_check_login", FailsOnce(async_check_login))

    result = await entry.start_reauth_flow(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(result["flow_id"], {CONF_PASSWORD: vsftpd_server.password})
    await _assert_unknown(hass, result, caplog)
    assert entry.data[CONF_PASSWORD] == BAD_PASSWORD

    result = await configure(result["flow_id"], {CONF_PASSWORD: vsftpd_server.password})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == vsftpd_server.password


async def test_receiver_add_recovers_from_an_unexpected_error(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port check breaks once; the next submit adds the receiver."""
    monkeypatch.setattr(port_check, "validate", FailsOnce(port_check.validate))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    flow_id = result["flow_id"]
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "receiver"})
    port = free_port()
    answers = {CONF_FTP_PORT: port, "advanced": {CONF_LISTEN_ADDRESS: "127.0.0.1"}}
    result = await hass.config_entries.flow.async_configure(flow_id, answers)
    await _assert_unknown(hass, result, caplog)

    result = await hass.config_entries.flow.async_configure(flow_id, answers)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].runtime_data.hub.bound_ports() == {port}
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_receiver_reconfigure_recovers_from_an_unexpected_error(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port check breaks once; the next submit moves the receiver to its new port."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    monkeypatch.setattr(port_check, "validate", FailsOnce(port_check.validate))

    new_port = free_port()
    result = await entry.start_reconfigure_flow(hass)
    configure = hass.config_entries.flow.async_configure
    result = await configure(result["flow_id"], submitted(result, **{CONF_FTP_PORT: new_port}))
    await _assert_unknown(hass, result, caplog)

    result = await configure(result["flow_id"], submitted(result))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert entry.data[CONF_FTP_PORT] == new_port
    assert entry.runtime_data.hub.bound_ports() == {new_port}
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_profile_steps_recover_from_an_unexpected_error(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name check breaks in Add, the destination in Reconfigure; each next submit saves.

    A destination that cannot be computed is not previewed either, and the form still shows.
    """
    await setup_camera(hass)
    entry = server_entry(ftp_answers(FtpServer(name="none", command=[], port=2121, files=Path())))
    entry.add_to_hass(hass)
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    assert "log" in texts[f"component.{DOMAIN}.config_subentries.{SUBENTRY_PROFILE}.error.unknown"]
    subentries = hass.config_entries.subentries

    check = FailsOnce(check_name_template)
    monkeypatch.setattr(profile_flow, "check_name_template", check)
    result = await subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context={"source": SOURCE_USER}
    )
    answers = submitted(result, name="Yard", camera=TEST_CAMERA)
    result = await subentries.async_configure(result["flow_id"], answers)
    assert result["errors"] == UNKNOWN
    assert (result["description_placeholders"] or {})["preview"] == "shown"
    result = await subentries.async_configure(result["flow_id"], answers)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = (s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_PROFILE)

    result = await subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    # The check's call, then the preview's when the form shows again.
    destination = FailsOnce(profile_flow.preview_destination, failures=2)
    monkeypatch.setattr(profile_flow, "preview_destination", destination)
    result = await subentries.async_configure(result["flow_id"], submitted(result, name="Gate"))
    assert result["errors"] == UNKNOWN
    assert (result["description_placeholders"] or {})["preview"] == "unavailable"
    result = await subentries.async_configure(result["flow_id"], submitted(result, name="Gate"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry.subentry_id].title == "Gate"
    assert sum(r.levelno == logging.ERROR and r.exc_info is not None for r in caplog.records) == 2
