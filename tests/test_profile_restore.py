"""Profile sensors keep their values over a reload and a restart."""

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from custom_components.camupload.const import DOMAIN, NO_ERROR
from tests.profile_setup import (
    UNREACHABLE,
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

SENSORS = ("last_profile_upload", "last_destination", "uploads_today")


async def test_sensors_keep_their_values_over_a_reload(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """After one upload and a reload, the sensors show what they showed before."""
    await setup_camera(hass)
    entry = server_entry(ftp_answers(vsftpd_server), profile_subentry(directory="incoming"))
    runner = await load_profile(hass, entry)
    await hass.services.async_call(DOMAIN, "upload_profile", {"profile": "yard"}, blocking=True)
    await hass.async_block_till_done()
    entity_ids = [profile_entity(hass, runner, key, "sensor") for key in SENSORS]
    before = [hass.states.get(entity_id) for entity_id in entity_ids]
    assert before[2] is not None
    assert before[2].state == "1"

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    after = [hass.states.get(entity_id) for entity_id in entity_ids]
    assert [state.state for state in after if state] == [state.state for state in before if state]
    reloaded = next(iter(entry.runtime_data.hub.runners.values()))
    assert reloaded is not runner
    assert reloaded.status.uploads_today == 1


@pytest.mark.parametrize(("days_ago", "count"), [(0, 7), (1, 0)])
async def test_restart_restores_the_values_kept(
    hass: HomeAssistant, days_ago: int, count: int
) -> None:
    """Values kept at shutdown come back; an upload count written on another day starts at 0."""
    uploaded = dt_util.utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    destination = "ftp://host/incoming/a.jpg"
    when = {"last_updated": uploaded, "last_changed": uploaded}
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.yard_last_upload", uploaded.isoformat(), **when),  # type: ignore[arg-type]
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": uploaded.isoformat(),
                    },
                    "native_unit_of_measurement": None,
                },
            ),
            (
                State("sensor.yard_last_destination", destination, **when),  # type: ignore[arg-type]
                {"native_value": destination, "native_unit_of_measurement": None},
            ),
            (
                State("sensor.yard_uploads_today", "7", **when),  # type: ignore[arg-type]
                {"native_value": 7, "native_unit_of_measurement": "uploads"},
            ),
        ],
    )
    await setup_camera(hass)
    runner = await load_profile(
        hass, server_entry(UNREACHABLE, profile_subentry(directory="incoming"))
    )

    assert runner.status.last_upload == uploaded
    assert runner.status.last_destination == destination
    assert runner.status.uploads_today == count
    states = {key: hass.states.get(profile_entity(hass, runner, key, "sensor")) for key in SENSORS}
    assert [state.entity_id if state else None for state in states.values()] == [
        "sensor.yard_last_upload", "sensor.yard_last_destination", "sensor.yard_uploads_today",
    ]  # fmt: skip
    assert states["last_profile_upload"].state == uploaded.isoformat()  # type: ignore[union-attr]
    # An older version kept the URL as the state: the card shows its file name now.
    assert states["last_destination"].state == "a.jpg"  # type: ignore[union-attr]
    assert states["last_destination"].attributes["url"] == destination  # type: ignore[union-attr]
    assert states["uploads_today"].state == str(count)  # type: ignore[union-attr]


def _kept(entity_id: str, value: str, **attributes: str) -> tuple[State, dict[str, Any]]:
    """A text sensor's state and extra data as Home Assistant kept them at shutdown."""
    return (
        State(entity_id, value, attributes),
        {"native_value": value, "native_unit_of_measurement": None},
    )


REFUSED = "store a.jpg: 553 Could not create file."


@pytest.mark.parametrize(
    ("kept_error", "restored"),
    [(NO_ERROR, None), (REFUSED, REFUSED)],
)
async def test_restart_restores_the_last_error_and_destination(
    hass: HomeAssistant, kept_error: str, restored: str | None
) -> None:
    """A kept error comes back, "No error" stays no error; the destination keeps URL and path."""
    url = "ftp://cam@host:21/incoming/2026/05/06/m260506120000123.jpg"
    path = "incoming/2026/05/06/m260506120000123.jpg"
    mock_restore_cache_with_extra_data(
        hass,
        [
            _kept("sensor.yard_last_error", kept_error),
            _kept("sensor.yard_last_destination", "m260506120000123.jpg", url=url, path=path),
        ],
    )
    await setup_camera(hass)
    runner = await load_profile(
        hass, server_entry(UNREACHABLE, profile_subentry(directory="incoming"))
    )

    assert runner.status.last_error == restored
    assert hass.states.get("sensor.yard_last_error").state == kept_error  # type: ignore[union-attr]
    assert (runner.status.last_destination, runner.status.last_path) == (url, path)
    destination = hass.states.get("sensor.yard_last_destination")
    assert destination is not None
    assert destination.state == "m260506120000123.jpg"
    assert destination.attributes["url"] == url
    assert destination.attributes["path"] == path
