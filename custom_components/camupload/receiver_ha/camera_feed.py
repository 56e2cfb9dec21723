"""One receiver camera's live feed: the latest frame, its frame rate and live-view subscribers.

No Home Assistant imports: the hub pushes frames in, entities and the live view read them out.
"""

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable

from custom_components.camupload.shared.frame import Frame

# Frame rate is the count of frames over this many seconds.
FRAME_RATE_WINDOW = 10.0
# Frame times kept for the rate: 10 s of a 60 fps stream.
MAX_FRAME_TIMES = 600


class CameraFeed:
    """Latest frame, frame rate and live subscribers of one camera."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Measure the frame rate with clock (monotonic seconds)."""
        self._clock = clock
        self.latest: Frame | None = None
        self.frames = 0
        self._times: deque[float] = deque(maxlen=MAX_FRAME_TIMES)
        self._subscribers: set[asyncio.Queue[Frame | None]] = set()
        self._listeners: list[Callable[[], None]] = []
        self._close_listeners: list[Callable[[], None]] = []
        self.closed = False

    def push(self, frame: Frame) -> None:
        """Take a new frame: it becomes the latest and goes to every live subscriber."""
        self.latest = frame
        self.frames += 1
        self._times.append(self._clock())
        for queue in self._subscribers:
            if queue.full():
                # A slow viewer gets the newest frame, not a backlog.
                queue.get_nowait()
            queue.put_nowait(frame)
        for listener in list(self._listeners):
            listener()

    def restore(self, frame: Frame) -> None:
        """Show a frame kept from before a restart, without counting it as received."""
        self.latest = frame

    def frame_rate(self) -> float:
        """Frames per second over the last FRAME_RATE_WINDOW seconds."""
        horizon = self._clock() - FRAME_RATE_WINDOW
        while self._times and self._times[0] < horizon:
            self._times.popleft()
        return round(len(self._times) / FRAME_RATE_WINDOW, 2)

    def add_listener(
        self, listener: Callable[[], None], on_close: Callable[[], None] | None = None
    ) -> Callable[[], None]:
        """Call listener after every frame, and on_close when the feed closes.

        Returns the function that removes both.
        """
        self._listeners.append(listener)
        if on_close is not None:
            self._close_listeners.append(on_close)

        def remove() -> None:
            self._listeners.remove(listener)
            if on_close is not None:
                self._close_listeners.remove(on_close)

        return remove

    async def stream(self) -> AsyncGenerator[Frame]:
        """Yield the latest frame now (if any), then each new one, until the feed closes."""
        queue: asyncio.Queue[Frame | None] = asyncio.Queue(maxsize=1)
        if self.latest is not None:
            queue.put_nowait(self.latest)
        self._subscribers.add(queue)
        try:
            while (frame := await queue.get()) is not None:
                yield frame
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        """End every live stream and tell on_close listeners (the receiver or camera is going)."""
        self.closed = True
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)
        for on_close in list(self._close_listeners):
            on_close()

    @property
    def viewers(self) -> int:
        """How many live views are open."""
        return len(self._subscribers)
