"""Asyncio front of the frame archive: queue frames on the loop, write them in a thread."""

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from custom_components.camupload.receiver.model import ReceivedFile, ReceivedFrame

from .archive import FrameArchive

_LOGGER = logging.getLogger(__name__)

# Queue bounds (whichever is hit first drops the oldest queued item).
DEFAULT_MAX_QUEUE_ITEMS = 64
DEFAULT_MAX_QUEUE_BYTES = 64 * 1024 * 1024
# A full prune at least this often (day folders age even without saves).
DEFAULT_PRUNE_INTERVAL = 3600.0


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    """Counters of an `ArchiveWriter`."""

    saved: int
    dropped: int
    failed: int
    queued: int
    total_bytes: int | None


type _Queued = tuple[str, ReceivedFrame | ReceivedFile]


class ArchiveWriter:
    """Asyncio front of a `FrameArchive`: queue on the loop, write in a worker thread.

    `submit` never blocks: when the queue is full the oldest queued item is dropped and
    counted. One drain task at a time writes batches through `asyncio.to_thread` and prunes
    when the archive is over its size, or every prune_interval seconds.
    """

    def __init__(
        self,
        archive: FrameArchive,
        *,
        max_queue_items: int = DEFAULT_MAX_QUEUE_ITEMS,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        prune_interval: float = DEFAULT_PRUNE_INTERVAL,
    ) -> None:
        """Wrap an archive; no task runs until the first submit."""
        self.archive = archive
        self._max_items = max_queue_items
        self._max_bytes = max_queue_bytes
        self._prune_interval = prune_interval
        self._queue: deque[_Queued] = deque()
        self._queued_bytes = 0
        self._task: asyncio.Task[None] | None = None
        self._last_prune: float | None = None
        self._closed = False
        self._saved = self._dropped = self._failed = 0

    @property
    def stats(self) -> ArchiveStats:
        """Counters so far."""
        return ArchiveStats(
            saved=self._saved,
            dropped=self._dropped,
            failed=self._failed,
            queued=len(self._queue),
            total_bytes=self.archive.total_bytes,
        )

    def submit(self, camera: str, item: ReceivedFrame | ReceivedFile) -> None:
        """Queue an item for the archive; call from the event loop. Never blocks."""
        if self._closed:
            self._dropped += 1
            return
        self._queue.append((camera, item))
        self._queued_bytes += len(item.data)
        # Keep the newest item even if it alone exceeds the byte bound.
        while len(self._queue) > 1 and (
            len(self._queue) > self._max_items or self._queued_bytes > self._max_bytes
        ):
            _, oldest = self._queue.popleft()
            self._queued_bytes -= len(oldest.data)
            self._dropped += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._drain(), name="camupload archive writer"
            )

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = list(self._queue)
                self._queue.clear()
                self._queued_bytes = 0
                await asyncio.to_thread(self._write_batch, batch)
        finally:
            self._task = None

    def _write_batch(self, batch: list[_Queued]) -> None:
        """Write a batch, then prune if due; runs in a worker thread."""
        for camera, item in batch:
            try:
                self.archive.save(camera, item)
            except (OSError, ValueError) as err:
                self._failed += 1
                _LOGGER.warning("Could not archive a frame of %s: %s", camera, err)
            else:
                self._saved += 1
        now = time.monotonic()
        due = self._last_prune is None or now - self._last_prune >= self._prune_interval
        if due or self.archive.over_limit:
            self._last_prune = now
            try:
                self.archive.prune(datetime.now(self.archive.tz))
            except OSError as err:
                _LOGGER.warning("Could not prune the archive %s: %s", self.archive.root, err)

    async def close(self) -> None:
        """Write everything queued, then refuse (and count as dropped) later submits."""
        self._closed = True
        if self._task is not None:
            await asyncio.shield(self._task)
