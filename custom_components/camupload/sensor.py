"""Per receiver camera: when the last upload arrived, and the current frame rate.

An FTP or HTTP upload is one file; an MJPEG push is one upload however many frames it brings:
the Last upload sensor shows when it started (the camera's last_frame_at attribute has the
newest frame). A stream that went quiet for the receiver's "idle after" time has ended, and
its next frame starts a new upload.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_feed import FRAME_RATE_WINDOW, CameraFeed, LatestFrame
from .const import CONF_IDLE_AFTER
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


LAST_UPLOAD = SensorEntityDescription(
    key="last_upload",
    translation_key="last_upload",
    device_class=SensorDeviceClass.TIMESTAMP,
)
STREAM_SOURCE = "mjpeg"

SENSORS: tuple[FeedSensorDescription, ...] = (
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
                LastUploadSensor(hub=hub, camera=camera),
                *(
                    FeedSensor(hub=hub, camera=camera, description=description)
                    for description in SENSORS
                ),
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


class LastUploadSensor(ReceiverCameraEntity, RestoreSensor):
    """When the camera's last upload began: a file's arrival, or the start of a stream."""

    entity_description = LAST_UPLOAD

    def __init__(self, *, hub: ReceiverHub, camera: ReceiverCamera) -> None:
        """Follow camera's uploads; a stream pause of "idle after" ends a stream."""
        super().__init__(hub=hub, camera=camera, key=LAST_UPLOAD.key)
        self._stream_gap = timedelta(seconds=hub.options[CONF_IDLE_AFTER])
        self._previous: LatestFrame | None = None
        self._upload_started: datetime | None = None

    async def async_added_to_hass(self) -> None:
        """Start from the kept frame (and the upload it belonged to), then follow new frames."""
        # Registered before the base class's listener, which writes the state.
        self.async_on_remove(self.feed.add_listener(self._frame_arrived_for_upload))
        await super().async_added_to_hass()
        kept = await self.async_get_last_sensor_data()
        if self._previous is not None or (latest := self.feed.latest) is None:
            return  # a frame arrived meanwhile (the listener took it), or none ever did
        self._previous, self._upload_started = latest, latest.received_at
        if (
            latest.source == STREAM_SOURCE
            and kept is not None
            and isinstance(kept.native_value, datetime)
            and kept.native_value <= latest.received_at
        ):
            self._upload_started = kept.native_value  # the stream the kept frame ended

    @callback
    def _frame_arrived_for_upload(self) -> None:
        latest = self.feed.latest
        if latest is None:
            return
        previous, self._previous = self._previous, latest
        if not _continues_stream(previous, latest, self._stream_gap):
            self._upload_started = latest.received_at

    @property
    def native_value(self) -> datetime | None:
        """When the last upload began."""
        return self._upload_started


def _continues_stream(previous: LatestFrame | None, frame: LatestFrame, gap: timedelta) -> bool:
    """Whether frame is the next frame of the stream previous belongs to."""
    return (
        previous is not None
        and previous.source == frame.source == STREAM_SOURCE
        and frame.received_at - previous.received_at < gap
    )
