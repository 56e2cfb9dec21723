"""Profile subentries: a sectioned form, every error recovers, the form previews the destination."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.config_entries import ConfigSubentry, SubentryFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import (
    CONF_OVERRIDE_PASSWORD,
    CONF_PROFILE_NUMBER,
    DEFAULT_INTERVAL,
    DOMAIN,
    SUBENTRY_PROFILE,
)
from custom_components.camupload.uploader_ha.settings import PROFILE_DEFAULTS, ProfileSettings
from tests.frontend_text import render_message
from tests.ports import free_port
from tests.profile_setup import (
    TEST_CAMERA,
    ftp_answers,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.receiver_setup import receiver_entry
from tests.uploader.servers import FtpServer

pytestmark = pytest.mark.enable_socket

EMPTIED = None  # in _answers: the user empties the field, so the frontend leaves it out


def _placeholders(result: Any) -> dict[str, str]:  # noqa: ANN401
    return dict(result["description_placeholders"] or {})


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    del socket_enabled


def _schema(result: Mapping[str, Any]) -> vol.Schema:
    schema = result["data_schema"]
    assert isinstance(schema, vol.Schema)
    return schema


def _fields(schema: vol.Schema) -> dict[str, tuple[str | None, vol.Marker]]:
    """Each field of a form: its section (None at the top) and its marker."""
    found: dict[str, tuple[str | None, vol.Marker]] = {}
    for marker, value in schema.schema.items():
        if isinstance(value, section):
            for inner in value.schema.schema:
                found[inner.schema] = (marker.schema, inner)
        else:
            found[marker.schema] = (None, marker)
    return found


def _sections(schema: vol.Schema) -> dict[str, section]:
    return {m.schema: v for m, v in schema.schema.items() if isinstance(v, section)}


def _shown(marker: vol.Marker) -> Any:  # noqa: ANN401
    """What the frontend puts in a field before the user touches it."""
    suggested = (marker.description or {}).get("suggested_value")
    if suggested is not None:
        return suggested
    if isinstance(marker, vol.Optional | vol.Required) and callable(marker.default):
        return marker.default()
    return vol.UNDEFINED


def _answers(result: Mapping[str, Any], **changes: Any) -> dict[str, Any]:  # noqa: ANN401
    """What the frontend sends: the form as shown, with `changes` typed in (EMPTIED clears).

    Fields are nested in their sections; a change naming a field the form lacks fails.
    """
    fields = _fields(_schema(result))
    answers: dict[str, Any] = {name: {} for name in _sections(_schema(result))}
    values = {key: _shown(marker) for key, (_, marker) in fields.items()}
    values |= {
        "name": "Yard",
        "camera": TEST_CAMERA,
        "directory": "incoming/$(TEXT.FTPDIR)",
        "file_name": "$(TEXT.FTPFILE).jpg",
    }
    for key, value in changes.items():
        assert key in fields, f"the form has no field {key}"
        values[key] = value
    for key, value in values.items():
        if value is EMPTIED or value is vol.UNDEFINED:
            continue
        part = fields[key][0]
        (answers if part is None else answers[part])[key] = value
    return answers


def _server() -> FtpServer:
    # Not started: the subentry flow never connects.
    return FtpServer(name="none", command=[], port=2121, files=Path())


async def _add_form(hass: HomeAssistant, entry: MockConfigEntry) -> SubentryFlowResult:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    return result


async def _reconfigure_form(
    hass: HomeAssistant, entry: MockConfigEntry, subentry: ConfigSubentry
) -> SubentryFlowResult:
    # The test helper's signature differs between versions: start the flow directly.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_PROFILE),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    return result


def _only_profile(entry: MockConfigEntry) -> ConfigSubentry:
    profiles: list[ConfigSubentry] = [
        s for s in entry.subentries.values() if s.subentry_type == SUBENTRY_PROFILE
    ]
    (subentry,) = profiles
    return subentry


async def test_profile_errors_recover_and_preview(hass: HomeAssistant) -> None:
    """Unknown variable (by name), broken template, unclosed variable, empty name, then saved."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)

    result = await _add_form(hass, entry)
    assert _placeholders(result)["preview"] == "shown"
    assert _placeholders(result)["destination"].startswith("camera/")
    flow_id = result["flow_id"]
    configure = hass.config_entries.subentries.async_configure

    result = await configure(flow_id, _answers(result, directory="up/$(FOO.BAR)"))
    assert result["errors"] == {"directory": "unknown_variable"}
    assert _placeholders(result)["variable"] == "FOO.BAR"

    result = await configure(flow_id, _answers(result, file_name="{{ states( }}.jpg"))
    assert result["errors"] == {"file_name": "invalid_template"}

    result = await configure(flow_id, _answers(result, file_name="$(TMS.YEAR.jpg"))
    assert result["errors"] == {"file_name": "invalid_variable"}

    result = await configure(flow_id, _answers(result, file_name="{{ '' }}"))
    assert result["errors"] == {"file_name": "invalid_variable"}

    result = await configure(flow_id, _answers(result, name=" "))
    assert result["errors"] == {"name": "name_required"}
    assert _placeholders(result)["destination"].startswith("incoming/Yard/")

    result = await configure(
        flow_id,
        _answers(
            result,
            file_name="{{ 'snap' }}-$(FPR.ENO).jpg",
            override_username="u",
            override_password="x",
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = _only_profile(entry)
    assert subentry.title == "Yard"
    assert subentry.data[CONF_PROFILE_NUMBER] == 1
    assert subentry.data["file_name"] == "{{ 'snap' }}-$(FPR.ENO).jpg"

    # Reconfigure: the preview renders the template; an empty password keeps the old one.
    result = await _reconfigure_form(hass, entry, subentry)
    assert _placeholders(result)["destination"].endswith("/snap-000000.jpg")
    result = await configure(result["flow_id"], _answers(result, name="Gate", directory="$(FOO)"))
    assert result["errors"] == {"directory": "unknown_variable"}
    result = await configure(result["flow_id"], _answers(result, name="Gate"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.title == "Gate"
    assert subentry.data["override_username"] == "u"
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == "x"
    assert subentry.data[CONF_PROFILE_NUMBER] == 1

    # Clearing the override user name clears its password: the server's login is used again.
    result = await _reconfigure_form(hass, entry, subentry)
    result = await configure(
        result["flow_id"], _answers(result, name="Gate", override_username=EMPTIED)
    )
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.data["override_username"] == ""
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == ""

    # A second profile gets the next number.
    result = await _add_form(hass, entry)
    result = await configure(result["flow_id"], _answers(result, name="Second"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    numbers = sorted(s.data[CONF_PROFILE_NUMBER] for s in entry.subentries.values())
    assert numbers == [1, 2]


async def test_override_password_stays_with_its_server(hass: HomeAssistant) -> None:
    """An empty override password keeps the stored one only for the same server and user."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    configure = hass.config_entries.subentries.async_configure
    result = await _add_form(hass, entry)
    result = await configure(
        result["flow_id"],
        _answers(result, name="Gate", override_username="u", override_password="x"),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = _only_profile(entry)

    # The same login, password left empty: kept.
    result = await _reconfigure_form(hass, entry, subentry)
    result = await configure(result["flow_id"], _answers(result, name="Gate"))
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == "x"

    # Another override server with an empty password: the old one is not sent there.
    result = await _reconfigure_form(hass, entry, subentry)
    result = await configure(
        result["flow_id"], _answers(result, name="Gate", override_host="elsewhere.invalid")
    )
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == ""
    result = await _reconfigure_form(hass, entry, subentry)
    result = await configure(
        result["flow_id"],
        _answers(result, name="Gate", override_host=EMPTIED, override_password="x"),
    )
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.data[CONF_OVERRIDE_PASSWORD] == "x"


async def test_form_is_sectioned_and_data_stays_flat(hass: HomeAssistant) -> None:
    """Main fields on top; image, clip, transfer, overrides, schedule in sections.

    What an image profile does not use is collapsed; a clip profile with overrides opens them.
    The stored data is flat, as the runtime reads it.
    """
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await _add_form(hass, entry)
    schema = _schema(result)
    top = [
        marker.schema for marker, value in schema.schema.items() if not isinstance(value, section)
    ]
    assert top == ["name", "camera", "directory", "file_name", "file_type"]
    fields = _fields(schema)
    assert {key: part for key, (part, _) in fields.items() if part is not None} == {
        "image_width": "image",
        "image_height": "image",
        "image_quality": "image",
        "overlay": "image",
        "frame_rate": "clip",
        "seconds_before": "clip",
        "seconds_after": "clip",
        "temporary_name": "transfer",
        "delete_before_rename": "transfer",
        "event_directory": "transfer",
        "streaming": "transfer",
        "override_host": "overrides",
        "override_port": "overrides",
        "override_username": "overrides",
        "override_password": "overrides",
        "override_mode": "overrides",
        "schedule": "scheduling",
        "interval": "scheduling",
    }
    collapsed = {name: part.options["collapsed"] for name, part in _sections(schema).items()}
    assert collapsed == {
        "image": False,
        "clip": True,
        "transfer": True,
        "overrides": True,
        "scheduling": False,
    }
    # JPEG quality shows its range as a slider.
    quality = fields["image_quality"][1]
    number = schema.schema[vol.Required("image")].schema.schema[quality].validators[0]
    assert number.config["mode"] == "slider"
    assert (number.config["min"], number.config["max"]) == (1, 95)
    assert _placeholders(result)["quality_min"] == "1"
    assert _placeholders(result)["quality_max"] == "95"

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        _answers(
            result,
            file_type="clip_mjpeg",
            seconds_before=2.5,
            override_host="backup.example",
            override_port=2121,
            override_password="p",
            temporary_name=True,
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = _only_profile(entry)
    assert set(subentry.data) == {*PROFILE_DEFAULTS, "camera", CONF_PROFILE_NUMBER}
    assert subentry.data["seconds_before"] == 2.5
    assert subentry.data["override_host"] == "backup.example"
    assert subentry.data["temporary_name"] is True
    settings = ProfileSettings.from_data(subentry.title, subentry.data)
    assert settings.profile.port == 2121
    assert settings.profile.password == "p"
    assert settings.clip.seconds_before == 2.5

    # Reconfigure shows the stored values in their sections; the stored password is not sent.
    result = await _reconfigure_form(hass, entry, subentry)
    schema = _schema(result)
    collapsed = {name: part.options["collapsed"] for name, part in _sections(schema).items()}
    assert collapsed == {
        "image": False,
        "clip": False,
        "transfer": False,
        "overrides": False,
        "scheduling": False,
    }
    shown = {key: _shown(marker) for key, (_, marker) in _fields(schema).items()}
    assert shown["override_host"] == "backup.example"
    assert shown["override_port"] == 2121
    assert shown["seconds_before"] == 2.5
    assert shown["override_password"] is vol.UNDEFINED
    # Submitted unchanged, nothing changes.
    before = dict(subentry.data)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result, directory=before["directory"])
    )
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.subentries[subentry.subentry_id].data) == before


async def test_empty_directory_is_the_servers_root(hass: HomeAssistant) -> None:
    """The directory may be left empty: the file then goes to the server's top directory."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await _add_form(hass, entry)
    directory = _fields(_schema(result))["directory"][1]
    assert isinstance(directory, vol.Optional)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result, directory=EMPTIED, file_name="$(PRF.NAM).jpg")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = _only_profile(entry)
    assert subentry.data["directory"] == ""

    result = await _reconfigure_form(hass, entry, subentry)
    assert _placeholders(result)["destination"] == "Yard.jpg"
    assert _fields(_schema(result))["directory"][1].description is None
    # Emptied again in reconfigure (the frontend leaves the field out): still the root.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result, directory=EMPTIED, file_name="$(PRF.NAM).jpg")
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[subentry.subentry_id].data["directory"] == ""


async def test_port_interval_and_size_may_be_empty(hass: HomeAssistant) -> None:
    """Override port, interval, width and height are optional; empty means unused or default."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await _add_form(hass, entry)
    fields = _fields(_schema(result))
    for key in ("override_port", "interval", "image_width", "image_height"):
        assert isinstance(fields[key][1], vol.Optional), key
    assert fields["override_port"][1].description is None  # empty: the server's port
    assert _placeholders(result)["interval_default"] == str(DEFAULT_INTERVAL)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        _answers(result, override_port=2121, schedule="interval", interval=5, image_width=640),
    )
    subentry = _only_profile(entry)
    assert subentry.data["override_port"] == 2121
    assert subentry.data["interval"] == 5
    assert subentry.data["image_width"] == 640

    result = await _reconfigure_form(hass, entry, subentry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        _answers(result, override_port=EMPTIED, interval=EMPTIED, image_width=EMPTIED),
    )
    assert result["reason"] == "reconfigure_successful"
    data = entry.subentries[subentry.subentry_id].data
    assert (data["override_port"], data["interval"], data["image_width"]) == (
        0,
        DEFAULT_INTERVAL,
        0,
    )
    settings = ProfileSettings.from_data("Yard", data)
    assert settings.profile.port is None
    assert settings.image.width is None
    assert settings.interval == DEFAULT_INTERVAL


async def test_add_and_reconfigure_forms_say_what_applies(hass: HomeAssistant) -> None:
    """Only the reconfigure form says an empty password keeps the current one.

    Every field and section of both forms has its label where the frontend looks it up.
    """
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()), profile_subentry("Gate"))
    entry.add_to_hass(hass)
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    prefix = f"component.{DOMAIN}.config_subentries.{SUBENTRY_PROFILE}.step"
    forms = {
        "user": await _add_form(hass, entry),
        "reconfigure": await _reconfigure_form(hass, entry, _only_profile(entry)),
    }
    for step, result in forms.items():
        for key, (part, _) in _fields(_schema(result)).items():
            where = f"{prefix}.{step}" + (f".sections.{part}" if part else "")
            assert texts.get(f"{where}.data.{key}"), f"{where}.data.{key}"
        for part in _sections(_schema(result)):
            assert texts.get(f"{prefix}.{step}.sections.{part}.name"), part

    def password_help(step: str) -> str:
        return texts[f"{prefix}.{step}.sections.overrides.data_description.override_password"]

    assert "current" not in password_help("user")
    assert "keeps the current one" in password_help("reconfigure")


async def test_destination_line_after_an_error(hass: HomeAssistant) -> None:
    """After an error the line shows what the user entered, or says why it cannot.

    The description is rendered with the frontend's ICU library: never "Current destination: ``".
    """
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    description = texts[
        f"component.{DOMAIN}.config_subentries.{SUBENTRY_PROFILE}.step.user.description"
    ]
    configure = hass.config_entries.subentries.async_configure
    result = await _add_form(hass, entry)

    # An error elsewhere: the destination is computed from what was entered.
    result = await configure(
        result["flow_id"], _answers(result, name=EMPTIED, directory="typed/$(ID.NAM)")
    )
    assert result["errors"] == {"name": "name_required"}
    assert _placeholders(result)["destination"].startswith("typed/Yard/")
    line = render_message(description, _placeholders(result))
    assert line.startswith("Current destination: `typed/Yard/")

    # The directory itself cannot be rendered: the line says so instead of showing ``.
    result = await configure(result["flow_id"], _answers(result, directory="up/$(TMS.YEAR"))
    assert result["errors"] == {"directory": "invalid_variable"}
    line = render_message(description, _placeholders(result))
    assert line == "Current destination: cannot be shown until the errors are fixed."

    result = await configure(result["flow_id"], _answers(result, directory="up/$(TMS.YEAR)"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _only_profile(entry).data["directory"] == "up/$(TMS.YEAR)"


async def test_typed_password_survives_an_error(hass: HomeAssistant) -> None:
    """A password typed into a form that comes back with an error is still there."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await _add_form(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        _answers(result, directory="$(NOPE)", override_username="u", override_password="secret"),
    )
    assert result["errors"] == {"directory": "unknown_variable"}
    assert _shown(_fields(_schema(result))["override_password"][1]) == "secret"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert _only_profile(entry).data[CONF_OVERRIDE_PASSWORD] == "secret"


async def test_run_time_variables_are_accepted_and_previewed(hass: HomeAssistant) -> None:
    """$(USER.*) comes from the action's variables: accepted, and previewed as written."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()))
    entry.add_to_hass(hass)
    result = await _add_form(hass, entry)
    configure = hass.config_entries.subentries.async_configure

    # Other unknown names are still refused, by name.
    result = await configure(result["flow_id"], _answers(result, file_name="$(USERX.TAG).jpg"))
    assert result["errors"] == {"file_name": "unknown_variable"}
    assert _placeholders(result)["variable"] == "USERX.TAG"

    result = await configure(
        result["flow_id"],
        _answers(result, directory="up/$(USER.SITE)", file_name="$(USER.TAG).jpg"),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await _reconfigure_form(hass, entry, _only_profile(entry))
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

    result = await _add_form(hass, second)
    result = await configure(result["flow_id"], _answers(result, name=" yard "))
    assert result["errors"] == {"name": "name_taken"}
    assert _placeholders(result)["error"] == "yard"
    result = await configure(result["flow_id"], _answers(result, name="Yard 2"))
    assert result["type"] is FlowResultType.CREATE_ENTRY

    # Reconfiguring keeps its own name, but cannot take another's.
    (gate,) = (s for s in second.subentries.values() if s.title == "Gate")
    result = await _reconfigure_form(hass, second, gate)
    result = await configure(result["flow_id"], _answers(result, name="YARD 2"))
    assert result["errors"] == {"name": "name_taken"}
    result = await configure(result["flow_id"], _answers(result, name="Gate", directory="up"))
    assert result["reason"] == "reconfigure_successful"
    assert second.subentries[gate.subentry_id].data["directory"] == "up"


async def test_password_only_override_is_kept(hass: HomeAssistant) -> None:
    """The server's user with another password: an empty field keeps it, as the form says."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(_server()), profile_subentry("Gate"))
    entry.add_to_hass(hass)
    subentry = _only_profile(entry)
    configure = hass.config_entries.subentries.async_configure
    for password, directory in (("p2", "a"), (EMPTIED, "b")):
        result = await _reconfigure_form(hass, entry, subentry)
        answers = _answers(result, name="Gate", directory=directory, override_password=password)
        result = await configure(result["flow_id"], answers)
        assert result["reason"] == "reconfigure_successful"
        data = entry.subentries[subentry.subentry_id].data
        assert data["directory"] == directory
        assert data[CONF_OVERRIDE_PASSWORD] == "p2"


async def _start_on_receiver(hass: HomeAssistant, receiver: MockConfigEntry) -> SubentryFlowResult:
    """Add upload profile, picked on the receiver's entry."""
    return await hass.config_entries.subentries.async_init(
        (receiver.entry_id, SUBENTRY_PROFILE), context={"source": "user"}
    )


async def _added_text(hass: HomeAssistant, result: Mapping[str, Any]) -> str:
    """The message that ends a redirected profile flow, as the frontend shows it."""
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    key = f"component.{DOMAIN}.config_subentries.{SUBENTRY_PROFILE}.abort.{result['reason']}"
    return render_message(texts[key], result["description_placeholders"] or {})


async def test_profile_started_on_the_receiver_goes_to_the_server(hass: HomeAssistant) -> None:
    """With one server, the receiver's Add upload profile runs the same form for that server."""
    await setup_camera(hass)
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    server = server_entry(ftp_answers(_server()), profile_subentry("Gate"))
    server.add_to_hass(hass)
    hass.config_entries.async_update_entry(server, title="garage@127.0.0.1")
    receiver_subentries = dict(receiver.subentries)

    result = await _start_on_receiver(hass, receiver)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    # The form is the server's: its errors recover as on the server itself.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result, name="gate")
    )
    assert result["errors"] == {"name": "name_taken"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result, directory="up")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "profile_added_to_server"
    assert dict(receiver.subentries) == receiver_subentries
    (yard,) = (s for s in server.subentries.values() if s.title == "Yard")
    assert yard.subentry_type == SUBENTRY_PROFILE
    assert yard.data["directory"] == "up"
    assert yard.data[CONF_PROFILE_NUMBER] == 2  # numbered after the server's own "Gate"
    text = await _added_text(hass, result)
    # In a code span: the frontend's Markdown makes a bare user@host a mail link.
    assert "**Yard** was added to the upload server `garage@127.0.0.1`" in text


async def test_profile_started_on_the_receiver_asks_which_server(hass: HomeAssistant) -> None:
    """With several servers, the receiver's Add upload profile first asks which one."""
    await setup_camera(hass)
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    servers = {}
    for title, port in (("north@127.0.0.1", 2121), ("south@127.0.0.1", 2122)):
        server = server_entry(
            ftp_answers(FtpServer(name=title, command=[], port=port, files=Path()))
        )
        server.add_to_hass(hass)
        hass.config_entries.async_update_entry(server, title=title)
        servers[title] = server

    result = await _start_on_receiver(hass, receiver)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "server"
    choices = _schema(result).schema[vol.Required("server")].config["options"]
    assert choices == [
        {"value": server.entry_id, "label": title} for title, server in servers.items()
    ]
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    step = f"component.{DOMAIN}.config_subentries.{SUBENTRY_PROFILE}.step.server"
    assert texts[f"{step}.title"]
    assert texts[f"{step}.data.server"] == "Upload server"

    south = servers["south@127.0.0.1"]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"server": south.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _answers(result)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "profile_added_to_server"
    assert [s.title for s in south.subentries.values()] == ["Yard"]
    assert not servers["north@127.0.0.1"].subentries
    assert "`south@127.0.0.1`" in await _added_text(hass, result)
