"""Per receiver camera: online while frames arrive; per streaming profile: connection open."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import ProfileEntity, ReceiverCameraEntity, add_entry_entities
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .receiver_ha.settings import ReceiverSettings
from .runtime import CamuploadConfigEntry
from .uploader_ha.runner import ProfileRunner

# Updates only read memory: camera states are pushed, the streaming connection's is polled.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CameraBinarySensorDescription(BinarySensorEntityDescription):
    """On while the camera's newest frame is younger than a window of the receiver's settings."""

    window_fn: Callable[[ReceiverSettings], timedelta]


@dataclass(frozen=True, kw_only=True)
class ProfileBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no read off a profile's runner, for the profiles it applies to."""

    has_fn: Callable[[ProfileRunner], bool] = lambda _: True
    is_on_fn: Callable[[ProfileRunner], bool]


CAMERA_BINARY_SENSORS: tuple[CameraBinarySensorDescription, ...] = (
    # No translation key: the device class names it ("Connectivity").
    CameraBinarySensorDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        window_fn=lambda settings: settings.online_window,
    ),
)

PROFILE_BINARY_SENSORS: tuple[ProfileBinarySensorDescription, ...] = (
    ProfileBinarySensorDescription(
        key="streaming_connection",
        translation_key="streaming_connection",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        has_fn=lambda runner: runner.streaming,
        is_on_fn=lambda runner: runner.connected,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a connectivity sensor for every receiver camera, or streaming profile."""
    del hass
    add_entry_entities(
        entry,
        async_add_entities,
        camera_entities=lambda hub, camera: (
            CameraBinarySensor(hub=hub, camera=camera, description=description)
            for description in CAMERA_BINARY_SENSORS
        ),
        profile_entities=lambda runner: (
            ProfileBinarySensor(runner=runner, description=description)
            for description in PROFILE_BINARY_SENSORS
            if description.has_fn(runner)
        ),
    )


class CameraBinarySensor(ReceiverCameraEntity, BinarySensorEntity):
    """On while the camera has uploaded within its description's window."""

    entity_description: CameraBinarySensorDescription

    def __init__(
        self,
        *,
        hub: ReceiverHub,
        camera: ReceiverCamera,
        description: CameraBinarySensorDescription,
    ) -> None:
        """Watch camera's uploads."""
        super().__init__(hub=hub, camera=camera, description=description)
        self._window = description.window_fn(hub.settings)

    @property
    def is_on(self) -> bool:
        """Whether the last frame is recent enough."""
        return self.window_left(self._window) is not None

    def state_expires_in(self) -> timedelta | None:
        """Until the window after the last frame ends."""
        return self.window_left(self._window)


class ProfileBinarySensor(ProfileEntity, BinarySensorEntity):
    """A yes/no of a profile, such as whether its streaming FTP connection is open."""

    entity_description: ProfileBinarySensorDescription
    # A streaming connection closes by itself when idle, with no status change to write.
    _attr_should_poll = True

    @property
    def is_on(self) -> bool:
        """The value now."""
        return self.entity_description.is_on_fn(self.runner)
