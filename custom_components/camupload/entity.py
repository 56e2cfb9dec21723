"""The entity bases: a receiver camera's (state writes paced for fast streams) and a profile's."""

from collections.abc import Callable, Iterable
from datetime import timedelta

from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN, MODEL_PROFILE, MODEL_RECEIVER_CAMERA, NAME
from .receiver_ha.camera_feed import CameraFeed
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .uploader_ha.hub import UploaderHub
from .uploader_ha.runner import ProfileRunner

# A 30 fps stream must not write 30 states a second: at most one write per entity this often.
STATE_WRITE_INTERVAL = 5.0
# Expiry checks run this much after the boundary, so the state has certainly changed.
RECHECK_MARGIN = timedelta(milliseconds=100)


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


class ReceiverCameraEntity(Entity):
    """An entity of one receiver camera's device, updated when frames arrive."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, *, hub: ReceiverHub, camera: ReceiverCamera, key: str | None) -> None:
        """Attach to camera's feed; key tells the entities of one device apart."""
        super().__init__()
        self.hub = hub
        self.camera = camera
        self.feed: CameraFeed = hub.feeds[camera.subentry_id]
        self._attr_unique_id = camera.subentry_id if key is None else f"{camera.subentry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, camera.subentry_id)},
            name=camera.name,
            manufacturer=NAME,
            model=MODEL_RECEIVER_CAMERA,
        )
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
