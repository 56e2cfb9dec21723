"""No data lost: send directly when possible, otherwise spool and retry in order with backoff."""

import asyncio
import contextlib
import logging
from collections.abc import Callable

from .errors import UploadError
from .model import OutgoingFile, UploadResult
from .sender import Sender
from .spool import SpoolEntry, SpoolQueue

_LOGGER = logging.getLogger(__name__)

DEFAULT_INITIAL_BACKOFF = 1.0
DEFAULT_MAX_BACKOFF = 300.0


class Dispatcher:
    """Delivers files through a sender, keeping failed ones in a spool until they get through.

    Order is kept: while anything waits in the spool, new files queue up behind it.
    """

    def __init__(  # noqa: PLR0913  # all options are keyword-only
        self,
        sender: Sender,
        spool: SpoolQueue,
        *,
        initial_backoff: float = DEFAULT_INITIAL_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        on_delivered: Callable[[UploadResult], None] | None = None,
        on_failure: Callable[[OutgoingFile, UploadError], None] | None = None,
    ) -> None:
        """Wire the sender to the spool; call `start` to begin retrying."""
        self.sender = sender
        self.spool = spool
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self._on_delivered = on_delivered
        self._on_failure = on_failure
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: UploadError | None = None

    async def start(self) -> None:
        """Open the spool and start retrying what it holds."""
        await self.spool.open()
        self._task = asyncio.create_task(self._retry_loop(), name="camupload-spool")
        self._wake.set()

    async def stop(self) -> None:
        """Stop retrying and close the sender; spooled files stay on disk."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sender.close()

    async def submit(self, file: OutgoingFile) -> UploadResult | None:
        """Send now, or spool when the spool is not empty or sending fails (then None)."""
        async with self._lock:
            if len(self.spool) == 0:
                try:
                    result = await self.sender.upload(file)
                except UploadError as err:
                    self._failed(file, err)
                else:
                    self.last_error = None
                    if self._on_delivered is not None:
                        self._on_delivered(result)
                    return result
            await self.spool.put(file)
            self._idle.clear()
            self._wake.set()
            return None

    async def wait_empty(self) -> None:
        """Wait until every spooled file has been delivered."""
        while len(self.spool):
            self._idle.clear()
            await self._idle.wait()

    def _failed(self, file: OutgoingFile, err: UploadError) -> None:
        self.last_error = err
        _LOGGER.info("Upload of %s failed: %s", file.remote.path, err)
        if self._on_failure is not None:
            self._on_failure(file, err)

    async def _retry_loop(self) -> None:
        backoff = self.initial_backoff
        while True:
            entry = await self.spool.peek()
            if entry is None:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            if await self._try(entry):
                backoff = self.initial_backoff
                continue
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _try(self, entry: SpoolEntry) -> bool:
        async with self._lock:
            try:
                result = await self.sender.upload(entry.file)
            except UploadError as err:
                self._failed(entry.file, err)
                await self.spool.record_attempt(entry)
                return False
            await self.spool.remove(entry)
            self.last_error = None
            if self._on_delivered is not None:
                self._on_delivered(result)
            if len(self.spool) == 0:
                self._idle.set()
            return True
