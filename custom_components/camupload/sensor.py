"""Per receiver camera: when the last upload arrived, and the current frame rate."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_feed import FRAME_RATE_WINDOW, CameraFeed
from .entity import ReceiverCameraEntity, add_camera_entities
from .profile_entities import add_profile_entities, profile_sensors
from .receiver_hub import ReceiverCamera, ReceiverHub
from .runtime import CamuploadConfigEntry, receiver_hub, uploader_hub

# Push entities: Home Assistant never polls them.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class FeedSensorDescription(SensorEntityDescription):
    """A sensor whose value is read off a camera's feed."""

    value_fn: Callable[[CameraFeed], datetime | float | None]
    # A value that decays without new frames (a rate) is looked at again after this long.
    recheck: timedelta | None = None


SENSORS: tuple[FeedSensorDescription, ...] = (
    FeedSensorDescription(
        key="last_upload",
        translation_key="last_upload",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda feed: feed.latest.received_at if feed.latest else None,
    ),
    FeedSensorDescription(
        key="frame_rate",
        translation_key="frame_rate",
        entity_category=EntityCategory.DIAGNOSTIC,
        native_unit_of_measurement="fps",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda feed: feed.frame_rate(),
        recheck=timedelta(seconds=FRAME_RATE_WINDOW),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every receiver camera, or of every upload profile."""
    del hass
    if (uploader := uploader_hub(entry)) is not None:
        add_profile_entities(uploader, async_add_entities, profile_sensors)
    if (hub := receiver_hub(entry)) is not None:
        add_camera_entities(
            hub,
            async_add_entities,
            lambda camera: [
                FeedSensor(hub=hub, camera=camera, description=description)
                for description in SENSORS
            ],
        )


class FeedSensor(ReceiverCameraEntity, SensorEntity):
    """A value of a receiver camera's feed."""

    entity_description: FeedSensorDescription

    def __init__(
        self, *, hub: ReceiverHub, camera: ReceiverCamera, description: FeedSensorDescription
    ) -> None:
        """Describe one value of camera's feed."""
        super().__init__(hub=hub, camera=camera, key=description.key)
        self.entity_description = description

    @property
    def native_value(self) -> datetime | float | None:
        """The value now."""
        return self.entity_description.value_fn(self.feed)

    def state_expires_in(self) -> timedelta | None:
        """A rate decays without frames: look again while it is not zero."""
        return self.entity_description.recheck if self.native_value else None
