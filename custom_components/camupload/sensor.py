"""Per receiver camera: when the last upload arrived, and the current frame rate.

Per upload profile: its last upload, destination and error, and its counts, kept over restarts.

An FTP or HTTP upload is one file; an MJPEG push is one upload however many frames it brings:
the Last upload sensor shows when it started (the camera's last_frame_at attribute has the
newest frame). A stream that went quiet for the receiver's "idle after" time has ended, and
its next frame starts a new upload.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import MAX_LENGTH_STATE_STATE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .const import NO_ERROR
from .entity import ProfileEntity, ReceiverCameraEntity, add_entry_entities
from .receiver_ha.camera_feed import FRAME_RATE_WINDOW, CameraFeed
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .runtime import CamuploadConfigEntry
from .shared.frame import Frame
from .uploader_ha.runner import ProfileRunner
from .uploader_ha.status import ProfileStatus, delivered_file_name

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
        # No native unit: "fps" is strings.json's entity.sensor.frame_rate.unit_of_measurement.
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
    add_entry_entities(
        entry,
        async_add_entities,
        camera_entities=lambda hub, camera: [
            LastUploadSensor(hub=hub, camera=camera),
            *(
                FeedSensor(hub=hub, camera=camera, description=description)
                for description in SENSORS
            ),
        ],
        profile_entities=lambda runner: (
            ProfileSensor(runner=runner, description=description) for description in PROFILE_SENSORS
        ),
    )


class FeedSensor(ReceiverCameraEntity, SensorEntity):
    """A value of a receiver camera's feed."""

    entity_description: FeedSensorDescription

    def __init__(
        self, *, hub: ReceiverHub, camera: ReceiverCamera, description: FeedSensorDescription
    ) -> None:
        """Describe one value of camera's feed."""
        super().__init__(hub=hub, camera=camera, description=description)

    @property
    def native_value(self) -> datetime | float | None:
        """The value now."""
        return self.entity_description.value_fn(self.feed)

    def state_expires_in(self) -> timedelta | None:
        """A rate decays without frames: look again while it is not zero."""
        return self.entity_description.recheck if self.native_value else None


class LastUploadSensor(ReceiverCameraEntity, RestoreSensor):
    """When the camera's last upload began: a file's arrival, or the start of a stream."""

    def __init__(self, *, hub: ReceiverHub, camera: ReceiverCamera) -> None:
        """Follow camera's uploads; a stream pause of "idle after" ends a stream."""
        super().__init__(hub=hub, camera=camera, description=LAST_UPLOAD)
        self._stream_gap = hub.settings.idle_after
        self._previous: Frame | None = None
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


def _continues_stream(previous: Frame | None, frame: Frame, gap: timedelta) -> bool:
    """Whether frame is the next frame of the stream previous belongs to."""
    return (
        previous is not None
        and previous.source == frame.source == STREAM_SOURCE
        and frame.received_at - previous.received_at < gap
    )


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

    def __init__(self, *, runner: ProfileRunner, description: ProfileSensorDescription) -> None:
        """Describe one value of runner's status."""
        super().__init__(runner=runner, description=description)

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
