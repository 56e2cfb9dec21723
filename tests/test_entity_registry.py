"""What the registries hold for a receiver camera and for upload profiles.

Unique ids must never change (a changed one orphans the user's entity and its history), and
entity ids and names stay as users know them.
"""

import json
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.camupload.const import DOMAIN, MODEL_PROFILE, MODEL_RECEIVER_CAMERA, NAME
from custom_components.camupload.runtime import uploader_hub
from tests.ports import free_port
from tests.profile_setup import UNREACHABLE, profile_subentry, server_entry
from tests.receiver_setup import receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

# What users read: strings.json with its [%key:...%] references resolved.
STRINGS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "translations" / "en.json"

type Registered = dict[str, tuple[str, str | None, str | None]]


def _registered(hass: HomeAssistant, entry_id: str, subentry_id: str) -> Registered:
    """Unique id -> (entity id, translation key, name) of one subentry's entities."""
    return {
        found.unique_id: (found.entity_id, found.translation_key, found.original_name)
        for found in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if found.config_subentry_id == subentry_id
    }


def _device(hass: HomeAssistant, subentry_id: str) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, subentry_id)})
    assert device is not None
    return device


async def test_a_receiver_camera_and_its_device(hass: HomeAssistant) -> None:
    """The camera's entities keep their unique ids; its device is a device, not a service."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    camera = next(iter(entry.subentries))

    assert _registered(hass, entry.entry_id, camera) == {
        camera: ("camera.front_door", None, None),
        f"{camera}_last_upload": ("sensor.front_door_last_upload", "last_upload", "Last upload"),
        f"{camera}_frame_rate": ("sensor.front_door_frame_rate", "frame_rate", "Frame rate"),
        f"{camera}_connectivity": (
            "binary_sensor.front_door_connectivity",
            None,
            "Connectivity",  # the device class's name
        ),
    }
    connectivity = hass.states.get("binary_sensor.front_door_connectivity")
    assert connectivity is not None
    assert connectivity.name == "Front door Connectivity"  # the device class's name
    device = _device(hass, camera)
    assert (device.name, device.manufacturer, device.model) == (
        "Front door",
        NAME,
        MODEL_RECEIVER_CAMERA,
    )
    assert device.entry_type is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_the_frame_rate_unit_comes_from_the_translations(hass: HomeAssistant) -> None:
    """The frame rate shows strings.json's unit ("fps"); its description names none itself."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    unit = strings["entity"]["sensor"]["frame_rate"]["unit_of_measurement"]
    state = hass.states.get("sensor.front_door_frame_rate")
    assert state is not None
    assert (unit, state.attributes["unit_of_measurement"]) == ("fps", "fps")
    registered = er.async_get(hass).async_get("sensor.front_door_frame_rate")
    assert registered is not None
    assert registered.unit_of_measurement == unit
    component = hass.data["entity_components"]["sensor"]
    sensor = component.get_entity("sensor.front_door_frame_rate")
    assert sensor.native_unit_of_measurement is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_upload_profiles_and_their_service_devices(hass: HomeAssistant) -> None:
    """Every profile entity keeps its unique id; only a streaming profile has connectivity.

    A profile's device is a service, also one registered as a plain device by older versions.
    """
    entry = server_entry(
        UNREACHABLE,
        profile_subentry(name="Yard", number=1, schedule="fastest"),
        profile_subentry(name="Gate", number=2),
    )
    entry.add_to_hass(hass)
    gate = next(s.subentry_id for s in entry.subentries.values() if s.title == "Gate")
    older = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id=gate,
        identifiers={(DOMAIN, gate)},
        name="Gate",
        manufacturer=NAME,
        model=MODEL_PROFILE,
    )
    assert older.entry_type is None
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hub = uploader_hub(entry)
    assert hub is not None
    runners = {runner.name: runner for runner in hub.runners.values()}
    assert runners["Yard"].streaming
    assert not runners["Gate"].streaming

    def expected(name: str) -> Registered:
        slug = name.lower()
        subentry = runners[name].subentry_id
        found: Registered = {
            f"{subentry}_{key}": (f"{domain}.{slug}_{object_id}", key, shown)
            for domain, key, object_id, shown in (
                ("sensor", "last_profile_upload", "last_upload", "Last upload"),
                ("sensor", "last_destination", "last_destination", "Last destination"),
                ("sensor", "last_error", "last_error", "Last error"),
                ("sensor", "uploads_today", "uploads_today", "Uploads today"),
                ("sensor", "queued_uploads", "queued_uploads", "Queued uploads"),
                ("button", "upload_now", "upload_now", "Upload now"),
                ("button", "network_test", "test", "Test"),
                ("switch", "scheduled_uploads", "scheduled_uploads", "Scheduled uploads"),
            )
        }
        if runners[name].streaming:
            found[f"{subentry}_streaming_connection"] = (
                f"binary_sensor.{slug}_streaming_connection",
                "streaming_connection",
                "Streaming connection",
            )
        return found

    for name, runner in runners.items():
        assert _registered(hass, entry.entry_id, runner.subentry_id) == expected(name)
        device = _device(hass, runner.subentry_id)
        assert (device.name, device.manufacturer, device.model) == (name, NAME, MODEL_PROFILE)
        assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert _device(hass, gate).id == older.id
    assert len(expected("Yard")) == len(expected("Gate")) + 1 == 9
    assert await hass.config_entries.async_unload(entry.entry_id)
