"""A profile's schedule switch comes back after a restart as it was before it."""

import pytest
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import mock_restore_cache

from tests.profile_setup import (
    UNREACHABLE,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
)

SWITCH = "switch.yard_scheduled_uploads"


@pytest.mark.parametrize("before", ["on", "off"])
async def test_schedule_switch_comes_back_as_it_was(hass: HomeAssistant, before: str) -> None:
    """On before the restart: on again, and the schedule runs; off: stays off."""
    mock_restore_cache(hass, [State(SWITCH, before)])
    await setup_camera(hass)
    profile = profile_subentry(schedule="interval", interval=60)
    runner = await load_profile(hass, server_entry(UNREACHABLE, profile))

    assert profile_entity(hass, runner, "scheduled_uploads", "switch") == SWITCH
    state = hass.states.get(SWITCH)
    assert state is not None
    assert state.state == before
    assert runner.scheduled is (before == "on")

    # Unloading the profile's switch stops its schedule.
    assert await hass.config_entries.async_unload(runner.entry.entry_id)
    assert runner.scheduled is False
