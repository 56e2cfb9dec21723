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
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_entity_registry_updated_event
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import DOMAIN, SIGNAL_RECEIVER_STARTED
from custom_components.camupload.receiver_ha.camera_feed import CameraFeed
from custom_components.camupload.receiver_ha.hub import ReceiverHub
from custom_components.camupload.runtime import ReceiverRuntimeData
from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader.clip import MAX_CLIP_FRAMES

_LOGGER = logging.getLogger(__name__)

CAMERA_TIMEOUT = 10  # seconds allowed for one frame from a camera entity
# Receiver entry states in which its hub's feeds serve frames.
RECEIVER_RUNNING = frozenset({ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED})


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
            gap = (frame.received_at - self._frames[-1].received_at).total_seconds()
            if gap < self.interval:
                return
        self._frames.append(frame)

    def frames(self) -> list[Frame]:
        """The frames held now, oldest first."""
        return list(self._frames)


def receiver_feed(
    hass: HomeAssistant, entity_id: str, hub: ReceiverHub | None = None
) -> CameraFeed | None:
    """The open feed of a camupload receiver camera (in hub, or its receiver's running hub)."""
    registered = er.async_get(hass).async_get(entity_id)
    if registered is None or registered.platform != DOMAIN or registered.config_entry_id is None:
        return None
    if hub is None:
        entry: ConfigEntry | None = hass.config_entries.async_get_entry(registered.config_entry_id)
        # A camera first registered while its receiver sets up already has its hub's feed.
        if entry is None or entry.state not in RECEIVER_RUNNING:
            return None
        runtime = entry.runtime_data
        if not isinstance(runtime, ReceiverRuntimeData):
            return None
        hub = runtime.hub
    feed = hub.feeds.get(registered.unique_id)
    return None if feed is None or feed.closed else feed


class FrameCollector:
    """Fills a FrameBuffer from one camera until stopped, following the camera as it changes.

    A camupload receiver camera pushes its frames; any other camera entity is polled. A
    receiver camera's feed is replaced when the camera is removed and added again (the
    entity registry tells) or when its receiver restarts (SIGNAL_RECEIVER_STARTED tells).
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, entity_id: str, buffer: FrameBuffer
    ) -> None:
        """Collect entity_id's frames into buffer; entry owns the polling task."""
        self.hass = hass
        self.entry = entry
        self.entity_id = entity_id
        self.buffer = buffer
        self._feed: CameraFeed | None = None
        self._remove_listener: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribes: list[Callable[[], None]] = []

    @property
    def pushed(self) -> bool:
        """Whether frames arrive from a receiver feed (no polling)."""
        return self._feed is not None

    def start(self) -> None:
        """Subscribe to the receiver camera's feed, or poll the camera entity; follow changes."""
        self._unsubscribes = [
            # A restarted receiver has new feeds under the same, unchanged registry entries.
            async_dispatcher_connect(self.hass, SIGNAL_RECEIVER_STARTED, self._receiver_started),
            # A camera removed and added again keeps its entity id but has a new feed.
            async_track_entity_registry_updated_event(
                self.hass, self.entity_id, self._registry_updated
            ),
        ]
        self._follow(receiver_feed(self.hass, self.entity_id))

    @callback
    def _receiver_started(self, hub: ReceiverHub) -> None:
        if (feed := receiver_feed(self.hass, self.entity_id, hub)) is not None:
            self._follow(feed)

    @callback
    def _registry_updated(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        del event
        self._follow(receiver_feed(self.hass, self.entity_id))

    @callback
    def _feed_closed(self) -> None:
        # Restart or registry tells what comes next; a poll begun at shutdown would linger.
        self._detach()

    @callback
    def _frame_pushed(self) -> None:
        if self._feed is not None and (latest := self._feed.latest) is not None:
            self.buffer.add(latest)

    def _follow(self, feed: CameraFeed | None) -> None:
        """Take frames from feed, or poll the camera entity when there is no feed."""
        if feed is not None and feed is self._feed:
            return
        if feed is None and self._task is not None:
            return
        self._detach()
        if feed is not None:
            self._feed = feed
            self._remove_listener = feed.add_listener(
                self._frame_pushed, on_close=self._feed_closed
            )
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._poll(), f"camupload frames of {self.entity_id}"
        )

    def _detach(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        self._feed = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _poll(self) -> None:
        while True:
            try:
                image = await async_get_image(self.hass, self.entity_id, timeout=CAMERA_TIMEOUT)
            except HomeAssistantError as err:
                _LOGGER.debug("No frame from %s: %s", self.entity_id, err)
            else:
                self.buffer.add(Frame(data=image.content, received_at=dt_util.utcnow()))
            await asyncio.sleep(self.buffer.interval)

    async def stop(self) -> None:
        """Stop collecting."""
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []
        task = self._task
        self._detach()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
