"""Profile subentries: every error recovers, the form previews the destination."""

from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.camupload.const import (
    CONF_OVERRIDE_PASSWORD,
    CONF_PROFILE_NUMBER,
    SUBENTRY_PROFILE,
)
from tests.profile_setup import (
    TEST_CAMERA,
    ftp_answers,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer

pytestmark = pytest.mark.enable_socket


def _placeholders(result: Any) -> dict[str, str]:  # noqa: ANN401
    return dict(result["description_placeholders"] or {})


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    del socket_enabled


def _answers(**overrides: Any) -> dict[str, Any]:  # noqa: ANN401
    return {
        "name": "Yard",
        "camera": TEST_CAMERA,
        "directory": "incoming/$(TEXT.FTPDIR)",
        "file_name": "$(TEXT.FTPFILE).jpg",
        **overrides,
    }


def _server() -> FtpServer:
    # Not started: the subentry flow never connects.
    return FtpServer(name="none", command=[], port=2121, files=Path())


async def test_profile_errors_recover_and_preview(hass: HomeAssistant) -> None:
    """Unknown variable (by name), broken template, unclosed variable, empty name, then saved."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert _placeholders(result)["destination"].startswith("camera/")
    flow_id = result["flow_id"]
    configure = hass.config_entries.subentries.async_configure

    result = await configure(flow_id, _answers(directory="up/$(FOO.BAR)"))
    assert result["errors"] == {"directory": "unknown_variable"}
    assert _placeholders(result)["variable"] == "FOO.BAR"

    result = await configure(flow_id, _answers(file_name="{{ states( }}.jpg"))
    assert result["errors"] == {"file_name": "invalid_template"}

    result = await configure(flow_id, _answers(file_name="$(TMS.YEAR.jpg"))
    assert result["errors"] == {"file_name": "invalid_variable"}

    result = await configure(flow_id, _answers(file_name="{{ '' }}"))
    assert result["errors"] == {"file_name": "invalid_variable"}

    result = await configure(flow_id, _answers(name=" "))
    assert result["errors"] == {"name": "name_required"}
    assert _placeholders(result)["destination"].startswith("incoming/Yard/")

    result = await configure(
        flow_id,
        _answers(
            file_name="{{ 'snap' }}-$(FPR.ENO).jpg", override_username="u", override_password="x"
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = (s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_PROFILE)
    assert subentry.title == "Yard"
    assert subentry.data[CONF_PROFILE_NUMBER] == 1
    assert subentry.data["file_name"] == "{{ 'snap' }}-$(FPR.ENO).jpg"

    # Reconfigure: the preview renders the template; an empty password keeps the old one.
    # The helper's signature differs between versions: start the flow directly.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    assert _placeholders(result)["destination"].endswith("/snap-000000.jpg")
    result = await configure(result["flow_id"], _answers(name="Gate", directory="$(FOO)"))
    assert result["errors"] == {"directory": "unknown_variable"}
    result = await configure(
        result["flow_id"], _answers(name="Gate", override_username="u", override_password="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.title == "Gate"
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == "x"
    assert subentry.data[CONF_PROFILE_NUMBER] == 1

    # Clearing the override user name clears its password: the server's login is used again.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    result = await configure(result["flow_id"], _answers(name="Gate", override_username=""))
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == ""

    # A second profile gets the next number.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )
    result = await configure(result["flow_id"], _answers(name="Second"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    numbers = sorted(s.data[CONF_PROFILE_NUMBER] for s in entry.subentries.values())
    assert numbers == [1, 2]


async def test_run_time_variables_are_accepted_and_previewed(hass: HomeAssistant) -> None:
    """$(USER.*) comes from the action's variables: accepted, and previewed as written."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )
    configure = hass.config_entries.subentries.async_configure

    # Other unknown names are still refused, by name.
    result = await configure(result["flow_id"], _answers(file_name="$(USERX.TAG).jpg"))
    assert result["errors"] == {"file_name": "unknown_variable"}
    assert _placeholders(result)["variable"] == "USERX.TAG"

    result = await configure(
        result["flow_id"], _answers(directory="up/$(USER.SITE)", file_name="$(USER.TAG).jpg")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.subentries.values()
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    assert _placeholders(result)["destination"] == "up/$(USER.SITE)/$(USER.TAG).jpg"


async def test_profile_names_are_unique_across_servers(hass: HomeAssistant) -> None:
    """Actions pick profiles by name: one another profile has (any case, any server) is refused."""
    await setup_camera(hass)
    first = server_entry(ftp_answers(_server()), profile_subentry("Yard"))
    other = FtpServer(name="other", command=[], port=2122, files=Path())
    second = server_entry(ftp_answers(other), profile_subentry("Gate", number=1))
    first.add_to_hass(hass)
    second.add_to_hass(hass)
    configure = hass.config_entries.subentries.async_configure

    result = await hass.config_entries.subentries.async_init(
        (second.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )
    result = await configure(result["flow_id"], _answers(name=" yard "))
    assert result["errors"] == {"name": "name_taken"}
    assert _placeholders(result)["error"] == "yard"
    result = await configure(result["flow_id"], _answers(name="Yard 2"))
    assert result["type"] is FlowResultType.CREATE_ENTRY

    # Reconfiguring keeps its own name, but cannot take another's.
    (gate,) = (s for s in second.subentries.values() if s.title == "Gate")
    result = await hass.config_entries.subentries.async_init(
        (second.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": gate.subentry_id},
    )
    result = await configure(result["flow_id"], _answers(name="YARD 2"))
    assert result["errors"] == {"name": "name_taken"}
    result = await configure(result["flow_id"], _answers(name="Gate", directory="up"))
    assert result["reason"] == "reconfigure_successful"
    assert second.subentries[gate.subentry_id].data["directory"] == "up"


async def test_password_only_override_is_kept(hass: HomeAssistant) -> None:
    """The server's user with another password: an empty field keeps it, as the form says."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()), profile_subentry("Gate"))
    entry.add_to_hass(hass)
    (subentry,) = entry.subentries.values()
    configure = hass.config_entries.subentries.async_configure
    for password, directory in (("p2", "a"), ("", "b")):
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_PROFILE),
            context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
        )
        answers = _answers(name="Gate", directory=directory, override_password=password)
        result = await configure(result["flow_id"], answers)
        assert result["reason"] == "reconfigure_successful"
        data = entry.subentries[subentry.subentry_id].data
        assert data["directory"] == directory
        assert data[CONF_OVERRIDE_PASSWORD] == "p2"
