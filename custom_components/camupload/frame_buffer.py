"""A bounded ring buffer of a camera's recent frames, for the time before (and after) an event.

Frames come straight from a camupload receiver camera's feed (pushed, no polling), or from
any other camera entity at the clip frame rate.
"""

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable

from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

from .camera_feed import CameraFeed
from .const import DOMAIN, SIGNAL_RECEIVER_STARTED
from .receiver_hub import ReceiverHub
from .uploader.clip import MAX_CLIP_FRAMES, Frame

_LOGGER = logging.getLogger(__name__)

CAMERA_TIMEOUT = 10  # seconds allowed for one frame from a camera entity


def buffer_length(seconds: float, frame_rate: float) -> int:
    """Frames kept to cover `seconds` at `frame_rate`, bounded by MAX_CLIP_FRAMES."""
    return max(1, min(MAX_CLIP_FRAMES, math.ceil(seconds * frame_rate) + 1))


class FrameBuffer:
    """The newest frames, at most one per 1/frame_rate seconds."""

    def __init__(self, seconds: float, frame_rate: float) -> None:
        """Keep `seconds` worth of frames at `frame_rate`."""
        self.interval = 1 / frame_rate
        self._frames: deque[Frame] = deque(maxlen=buffer_length(seconds, frame_rate))

    def add(self, frame: Frame) -> None:
        """Keep a frame unless it came sooner than the frame rate allows."""
        if self._frames:
            gap = (frame.taken - self._frames[-1].taken).total_seconds()
            if gap < self.interval:
                return
        self._frames.append(frame)

    def frames(self) -> list[Frame]:
        """The frames held now, oldest first."""
        return list(self._frames)


def receiver_feed(
    hass: HomeAssistant, entity_id: str, hub: ReceiverHub | None = None
) -> CameraFeed | None:
    """The live feed of a camupload receiver camera (in hub, or the loaded receiver's)."""
    registered = er.async_get(hass).async_get(entity_id)
    if registered is None or registered.platform != DOMAIN or registered.config_entry_id is None:
        return None
    if hub is None:
        entry: ConfigEntry | None = hass.config_entries.async_get_entry(registered.config_entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        # runtime.py imports this module's users: test the hub, not the runtime data class.
        hub = getattr(entry.runtime_data, "hub", None)
        if not isinstance(hub, ReceiverHub):
            return None
    return hub.feeds.get(registered.unique_id)


class FrameCollector:
    """Fills a FrameBuffer from one camera until stopped."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, entity_id: str, buffer: FrameBuffer
    ) -> None:
        """Collect entity_id's frames into buffer; entry owns the polling task."""
        self.hass = hass
        self.entry = entry
        self.entity_id = entity_id
        self.buffer = buffer
        self._remove_listener: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe_restarts: Callable[[], None] | None = None

    @property
    def pushed(self) -> bool:
        """Whether frames arrive from a receiver feed (no polling)."""
        return self._remove_listener is not None

    def start(self) -> None:
        """Subscribe to the receiver's feed, or start polling the camera entity."""
        # A reloaded receiver has new feeds; one that loads after us replaces the polling.
        self._unsubscribe_restarts = async_dispatcher_connect(
            self.hass, SIGNAL_RECEIVER_STARTED, self._receiver_started
        )
        self._attach()

    @callback
    def _receiver_started(self, hub: ReceiverHub) -> None:
        if (feed := receiver_feed(self.hass, self.entity_id, hub)) is None:
            return
        self._detach()
        self._attach(feed)

    def _detach(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _attach(self, feed: CameraFeed | None = None) -> None:
        feed = feed or receiver_feed(self.hass, self.entity_id)
        if feed is not None:

            @callback
            def _pushed() -> None:
                latest = feed.latest
                if latest is not None:
                    self.buffer.add(Frame(taken=latest.received_at, jpeg=latest.data))

            self._remove_listener = feed.add_listener(_pushed)
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._poll(), f"camupload frames of {self.entity_id}"
        )

    async def _poll(self) -> None:
        while True:
            try:
                image = await async_get_image(self.hass, self.entity_id, timeout=CAMERA_TIMEOUT)
            except HomeAssistantError as err:
                _LOGGER.debug("No frame from %s: %s", self.entity_id, err)
            else:
                self.buffer.add(Frame(taken=dt_util.utcnow(), jpeg=image.content))
            await asyncio.sleep(self.buffer.interval)

    async def stop(self) -> None:
        """Stop collecting."""
        if self._unsubscribe_restarts is not None:
            self._unsubscribe_restarts()
            self._unsubscribe_restarts = None
        task = self._task
        self._detach()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
