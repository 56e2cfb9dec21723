"""The entity base: one device per subentry, a receiver camera or an upload profile.

A receiver camera's entities pace their state writes for fast streams; a profile's write
when its status changes.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import ClassVar

from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN, MODEL_PROFILE, MODEL_RECEIVER_CAMERA, NAME
from .receiver_ha.camera_feed import CameraFeed
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .runtime import CamuploadConfigEntry, receiver_hub, uploader_hub
from .uploader_ha.hub import UploaderHub
from .uploader_ha.runner import ProfileRunner

# A 30 fps stream must not write 30 states a second: at most one write per entity this often.
STATE_WRITE_INTERVAL = 5.0
# Expiry checks run this much after the boundary, so the state has certainly changed.
RECHECK_MARGIN = timedelta(milliseconds=100)


class CamuploadEntity(Entity):
    """An entity of one subentry's device, described by its entity description.

    The description's key tells a device's entities apart in their unique ids, and its
    translation_key names them: a renamed translation key leaves the unique id as it was.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False
    _device_model: ClassVar[str]
    _device_entry_type: ClassVar[DeviceEntryType | None] = None

    def __init__(
        self, *, subentry_id: str, device_name: str, description: EntityDescription
    ) -> None:
        """Belong to the device of subentry_id, named device_name."""
        super().__init__()
        self.entity_description = description
        self._attr_unique_id = f"{subentry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, subentry_id)},
            name=device_name,
            manufacturer=NAME,
            model=self._device_model,
            entry_type=self._device_entry_type,
        )


class ReceiverCameraEntity(CamuploadEntity):
    """An entity of one receiver camera's device, updated when frames arrive."""

    _device_model = MODEL_RECEIVER_CAMERA

    def __init__(
        self, *, hub: ReceiverHub, camera: ReceiverCamera, description: EntityDescription
    ) -> None:
        """Attach to camera's feed."""
        super().__init__(
            subentry_id=camera.subentry_id, device_name=camera.name, description=description
        )
        self.hub = hub
        self.camera = camera
        self.feed: CameraFeed = hub.feeds[camera.subentry_id]
        self._last_write = -STATE_WRITE_INTERVAL
        self._pending_write: CALLBACK_TYPE | None = None
        self._recheck: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Follow the feed until removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.feed.add_listener(self._frame_arrived))
        self.async_on_remove(self._cancel_timers)

    @callback
    def _cancel_timers(self) -> None:
        for cancel in (self._pending_write, self._recheck):
            if cancel is not None:
                cancel()
        self._pending_write = self._recheck = None

    @callback
    def _frame_arrived(self) -> None:
        if self._pending_write is not None:
            return
        wait = self._last_write + STATE_WRITE_INTERVAL - self.hass.loop.time()
        if wait <= 0:
            self._write_now()
        else:
            self._pending_write = async_call_later(
                self.hass, wait, HassJob(self._write_later, cancel_on_shutdown=True)
            )

    @callback
    def _write_later(self, _now: object) -> None:
        self._pending_write = None
        self._write_now()

    @callback
    def _write_now(self) -> None:
        self._last_write = self.hass.loop.time()
        self.async_write_ha_state()

    def state_expires_in(self) -> timedelta | None:
        """How long until the state changes without a new frame (idle, offline), or None."""
        return None

    @callback
    def async_write_ha_state(self) -> None:
        """Write the state, and write it again when it would expire."""
        super().async_write_ha_state()
        if self._recheck is not None:
            self._recheck()
            self._recheck = None
        if (delay := self.state_expires_in()) is not None:
            self._recheck = async_call_later(
                self.hass, delay + RECHECK_MARGIN, HassJob(self._expired, cancel_on_shutdown=True)
            )

    @callback
    def _expired(self, _now: object) -> None:
        self._recheck = None
        self.async_write_ha_state()

    def window_left(self, window: timedelta) -> timedelta | None:
        """Time left of window after the newest frame, or None when it has passed."""
        age = self.seconds_since_last_frame()
        if age is None or age >= window.total_seconds():
            return None
        return window - timedelta(seconds=age)

    def seconds_since_last_frame(self) -> float | None:
        """Seconds since the newest frame, or None before the first one."""
        latest = self.feed.latest
        if latest is None:
            return None
        return (dt_util.utcnow() - latest.received_at).total_seconds()


class ProfileEntity(CamuploadEntity):
    """An entity of one profile's device, written when the profile's status changes."""

    _device_model = MODEL_PROFILE
    _device_entry_type = DeviceEntryType.SERVICE  # an upload setting, not a piece of hardware

    def __init__(self, *, runner: ProfileRunner, description: EntityDescription) -> None:
        """Belong to runner's device."""
        super().__init__(
            subentry_id=runner.subentry_id, device_name=runner.name, description=description
        )
        self.runner = runner

    async def async_added_to_hass(self) -> None:
        """Follow the profile's status until removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.runner.add_listener(self.async_write_ha_state))


def add_entry_entities(
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    camera_entities: Callable[[ReceiverHub, ReceiverCamera], Iterable[Entity]] | None = None,
    profile_entities: Callable[[ProfileRunner], Iterable[Entity]] | None = None,
) -> None:
    """A platform's setup: each receiver camera's or each upload profile's entities.

    Each goes to its camera's or profile's subentry; cameras added while the receiver runs
    get theirs the same way.
    """
    if camera_entities is not None and (receiver := receiver_hub(entry)) is not None:
        add_camera_entities(
            receiver, async_add_entities, lambda camera: camera_entities(receiver, camera)
        )
    if profile_entities is not None and (uploader := uploader_hub(entry)) is not None:
        add_profile_entities(uploader, async_add_entities, profile_entities)


def add_camera_entities(
    hub: ReceiverHub,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[ReceiverCamera], Iterable[Entity]],
) -> None:
    """Add factory's entities for every receiver camera, each to its camera subentry.

    Cameras added later, while the receiver runs, get theirs the same way.
    """

    def add(camera: ReceiverCamera) -> None:
        async_add_entities(list(factory(camera)), config_subentry_id=camera.subentry_id)

    hub.follow_cameras(add)


def add_profile_entities(
    hub: UploaderHub,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[ProfileRunner], Iterable[Entity]],
) -> None:
    """Add what build makes for each profile, on the profile's subentry."""
    for runner in hub.runners.values():
        async_add_entities(list(build(runner)), config_subentry_id=runner.subentry_id)
