"""Entities of one upload profile: its device, buttons, schedule switch, sensors, connectivity."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.button import ButtonEntity
from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntityDescription,
)
from homeassistant.components.switch import SwitchEntity
from homeassistant.const import MAX_LENGTH_STATE_STATE, STATE_ON, EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .const import DOMAIN, MODEL_PROFILE, NAME, NO_ERROR
from .profile_runner import ProfileRunner
from .profile_status import (
    ProfileStatus,
    delivered_file_name,
    network_test_notification_id,
    network_test_report,
)
from .uploader_hub import UploaderHub


class ProfileEntity(Entity):
    """An entity of one profile's device, written when the profile's status changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, runner: ProfileRunner, key: str) -> None:
        """Belong to runner's device; key tells the device's entities apart."""
        super().__init__()
        self.runner = runner
        self._attr_translation_key = key
        self._attr_unique_id = f"{runner.subentry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, runner.subentry_id)},
            name=runner.name,
            manufacturer=NAME,
            model=MODEL_PROFILE,
        )

    async def async_added_to_hass(self) -> None:
        """Follow the profile's status until removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.runner.add_listener(self.async_write_ha_state))


def add_profile_entities(
    hub: UploaderHub,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[ProfileRunner], list[Entity]],
) -> None:
    """Add what build makes for each profile, on the profile's subentry."""
    for runner in hub.runners.values():
        async_add_entities(build(runner), config_subentry_id=runner.subentry_id)


class UploadNowButton(ProfileEntity, ButtonEntity):
    """Uploads the profile's current image."""

    def __init__(self, runner: ProfileRunner) -> None:
        """Press to upload."""
        super().__init__(runner, "upload_now")

    async def async_press(self) -> None:
        """Upload now; failures are raised to the caller."""
        await self.runner.async_upload()


class NetworkTestButton(ProfileEntity, ButtonEntity):
    """Runs the network test and shows each step in a notification."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, runner: ProfileRunner) -> None:
        """Press to test."""
        super().__init__(runner, "network_test")

    async def async_press(self) -> None:
        """Run the test and notify its steps; a failed step also becomes the last error."""
        runner = self.runner
        log = await runner.async_network_test()
        title, message = network_test_report(runner.name, runner.destination.url, log)
        persistent_notification.async_create(
            self.hass,
            message,
            title=title,
            notification_id=network_test_notification_id(runner.subentry_id),
        )


class ScheduleSwitch(ProfileEntity, SwitchEntity, RestoreEntity):
    """While on, the profile uploads on its schedule (the MOBOTIX time task)."""

    def __init__(self, runner: ProfileRunner) -> None:
        """Control runner's schedule."""
        super().__init__(runner, "scheduled_uploads")

    async def async_added_to_hass(self) -> None:
        """Come back as the switch was before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_ON:
            self.runner.set_scheduled(enabled=True)
        self.async_on_remove(lambda: self.runner.set_scheduled(enabled=False))

    @property
    def is_on(self) -> bool:
        """Whether the schedule runs."""
        return self.runner.scheduled

    async def async_turn_on(self, **kwargs: object) -> None:
        """Start the schedule."""
        del kwargs
        self.runner.set_scheduled(enabled=True)
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: object) -> None:
        """Stop the schedule."""
        del kwargs
        self.runner.set_scheduled(enabled=False)
        self.async_write_ha_state()


ATTR_URL = "url"
ATTR_PATH = "path"


@dataclass(frozen=True, kw_only=True)
class KeptValue:
    """A sensor's value kept at shutdown: its native value, attributes and when it was written."""

    value: object
    attributes: Mapping[str, Any]
    written: datetime


type Restore = Callable[[ProfileStatus, KeptValue], None]


@dataclass(frozen=True, kw_only=True)
class ProfileSensorDescription(SensorEntityDescription):
    """A value read off a profile's runner, and how a value kept over a restart goes back."""

    value_fn: Callable[[ProfileRunner], datetime | str | int | None]
    attributes_fn: Callable[[ProfileRunner], dict[str, Any]] | None = None
    restore_fn: Restore | None = None


def _restore_unset(field: str, kind: type) -> Restore:
    """Put a kept value of kind back into status.field, unless the profile already set it."""

    def restore(status: ProfileStatus, kept: KeptValue) -> None:
        if getattr(status, field) is None and isinstance(kept.value, kind):
            setattr(status, field, kept.value)

    return restore


def _restore_last_error(status: ProfileStatus, kept: KeptValue) -> None:
    if kept.value != NO_ERROR:
        _restore_unset("last_error", str)(status, kept)


def _restore_last_destination(status: ProfileStatus, kept: KeptValue) -> None:
    if status.last_destination is not None:
        return
    url = kept.attributes.get(ATTR_URL)
    path = kept.attributes.get(ATTR_PATH)
    if isinstance(url, str) and isinstance(path, str):
        status.last_destination, status.last_path = url, path
    elif isinstance(kept.value, str) and "://" in kept.value:
        status.last_destination = kept.value  # kept by an older version: the URL was the state


def _restore_uploads_today(status: ProfileStatus, kept: KeptValue) -> None:
    # Only a count written today still counts today.
    if (
        status.uploads_today == 0
        and isinstance(kept.value, int | float)
        and dt_util.as_local(kept.written).date() == status.day
    ):
        status.uploads_today = int(kept.value)


def _last_destination_attributes(runner: ProfileRunner) -> dict[str, Any]:
    status = runner.status
    if status.last_destination is None:
        return {}
    return {ATTR_URL: status.last_destination, ATTR_PATH: status.last_path}


def _truncated(text: str | None) -> str | None:
    return text[:MAX_LENGTH_STATE_STATE] if text else None


PROFILE_SENSORS: tuple[ProfileSensorDescription, ...] = (
    ProfileSensorDescription(
        key="last_profile_upload",
        translation_key="last_profile_upload",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda runner: runner.status.last_upload,
        restore_fn=_restore_unset("last_upload", datetime),
    ),
    # The file name fits a card; the attributes hold its URL and path on the server.
    ProfileSensorDescription(
        key="last_destination",
        translation_key="last_destination",
        value_fn=lambda runner: _truncated(delivered_file_name(runner.status)),
        attributes_fn=_last_destination_attributes,
        restore_fn=_restore_last_destination,
    ),
    # NO_ERROR (shown translated, "No error") rather than "Unknown" while nothing failed.
    ProfileSensorDescription(
        key="last_error",
        translation_key="last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda runner: _truncated(runner.status.last_error) or NO_ERROR,
        restore_fn=_restore_last_error,
    ),
    # Counts carry no unit: the name says what is counted, and "1 uploads" reads badly.
    ProfileSensorDescription(
        key="uploads_today",
        translation_key="uploads_today",
        value_fn=lambda runner: runner.status.uploads_today,
        restore_fn=_restore_uploads_today,
    ),
    # Not restored: the spool on disk is the truth.
    ProfileSensorDescription(
        key="queued_uploads",
        translation_key="queued_uploads",
        value_fn=lambda runner: runner.queued,
    ),
)


class ProfileSensor(ProfileEntity, RestoreSensor):
    """One value of a profile's status, kept over restarts and reloads."""

    entity_description: ProfileSensorDescription

    def __init__(self, runner: ProfileRunner, description: ProfileSensorDescription) -> None:
        """Describe one value of runner's status."""
        super().__init__(runner, description.key)
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Put the value kept at the last shutdown back into the profile's status."""
        await super().async_added_to_hass()
        restore = self.entity_description.restore_fn
        if restore is None:
            return
        state = await self.async_get_last_state()
        data = await self.async_get_last_sensor_data()
        if state is None or data is None or data.native_value is None:
            return
        restore(
            self.runner.status,
            KeptValue(
                value=data.native_value, attributes=state.attributes, written=state.last_updated
            ),
        )

    @property
    def native_value(self) -> datetime | str | int | None:
        """The value now."""
        return self.entity_description.value_fn(self.runner)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details too long for the state, if the sensor has any."""
        attributes_fn = self.entity_description.attributes_fn
        return attributes_fn(self.runner) if attributes_fn is not None else None


class StreamingConnectivity(ProfileEntity, BinarySensorEntity):
    """On while the profile's streaming FTP connection is open (it closes after idling)."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_should_poll = True  # the connection closes by itself when idle

    def __init__(self, runner: ProfileRunner) -> None:
        """Watch runner's streaming connection."""
        super().__init__(runner, "streaming_connection")

    @property
    def is_on(self) -> bool:
        """Whether the connection is open now."""
        return self.runner.connected


@callback
def profile_buttons(runner: ProfileRunner) -> list[Entity]:
    """A profile's buttons."""
    return [UploadNowButton(runner), NetworkTestButton(runner)]


@callback
def profile_sensors(runner: ProfileRunner) -> list[Entity]:
    """A profile's sensors."""
    return [ProfileSensor(runner, description) for description in PROFILE_SENSORS]


@callback
def profile_binary_sensors(runner: ProfileRunner) -> list[Entity]:
    """A streaming profile's connectivity sensor."""
    return [StreamingConnectivity(runner)] if runner.streaming else []
