"""FTP uploads: one file per connection, or a streaming session kept open across files."""

import asyncio
import contextlib
import time
from dataclasses import dataclass

from .errors import PermissionDeniedError, UploadConnectionError, UploadError
from .ftp_client import DEFAULT_TIMEOUT, FtpClient
from .model import Destination, OutgoingFile, RemoteFile, UploadResult

DEFAULT_NOOP_INTERVAL = 30.0  # seconds between keep-alives on an idle streaming connection
DEFAULT_IDLE_LIMIT = 120.0  # seconds of idleness after which the streaming connection closes


@dataclass
class _Progress:
    """How far one upload got, so a retry does not redo (or undo) finished steps."""

    stored: bool = False


def _result(
    destination: Destination, remote: RemoteFile, size: int, started: float
) -> UploadResult:
    return UploadResult(
        path=remote.path,
        size=size,
        seconds=time.monotonic() - started,
        url=destination.url + remote.path,
    )


async def _finish_rename(client: FtpClient, remote: RemoteFile, size: int, *, retry: bool) -> None:
    """Rename the temporary file to its final name; a rename that already happened is done."""
    temporary = remote.temporary_name
    if temporary is None:
        return
    if retry and await client.size(temporary) is None and await client.size(remote.name) == size:
        return
    if remote.delete_before_rename:
        await client.delete(remote.name)
    await client.rename(temporary, remote.name)


async def _store(client: FtpClient, remote: RemoteFile, data: bytes) -> None:
    name = remote.temporary_name or remote.name
    try:
        await client.store(name, data)
    except PermissionDeniedError:
        # A server that refuses overwriting (IIS) keeps a temporary file a failed rename left.
        if not (remote.delete_before_rename and remote.temporary_name):
            raise
        await client.delete(name)
        await client.store(name, data)


async def deliver(
    client: FtpClient, file: OutgoingFile, progress: _Progress | None = None
) -> UploadResult:
    """Send one file over a logged-in client: directories, store, rename.

    Args:
        client: a connected, logged-in client.
        file: the file and its rendered destination.
        progress: records finished steps for a retry after a broken connection.
    """
    progress = progress or _Progress()
    started = time.monotonic()
    remote = file.remote
    await client.change_directory(remote.directory)
    if not progress.stored:
        await _store(client, remote, file.data)
        progress.stored = True
        retry = False
    else:
        retry = True
    await _finish_rename(client, remote, len(file.data), retry=retry)
    return _result(client.destination, remote, len(file.data), started)


async def upload_once(
    destination: Destination, file: OutgoingFile, *, io_timeout: float = DEFAULT_TIMEOUT
) -> UploadResult:
    """Connect, log in, send one file and log off, as a camera's regular FTP transfer."""
    async with FtpClient(destination, timeout=io_timeout) as client:
        return await deliver(client, file)


class OneShotSender:
    """Sends every file over a connection of its own."""

    def __init__(self, destination: Destination, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Remember where to send."""
        self.destination = destination
        self.timeout = timeout

    async def upload(self, file: OutgoingFile) -> UploadResult:
        """Send one file over a fresh connection."""
        return await upload_once(self.destination, file, io_timeout=self.timeout)

    async def close(self) -> None:
        """Nothing stays open between uploads."""


class StreamingSession:
    """MOBOTIX "Streaming FTP": one connection kept open across uploads.

    Idle connections get a NOOP every `noop_interval` seconds and are closed after
    `idle_limit` seconds without an upload; a broken connection is re-opened once per upload.
    Uploads run one after another ("fastest": the next starts when the last ends).
    """

    def __init__(
        self,
        destination: Destination,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        noop_interval: float = DEFAULT_NOOP_INTERVAL,
        idle_limit: float = DEFAULT_IDLE_LIMIT,
    ) -> None:
        """Prepare a session; it connects on the first upload."""
        self.destination = destination
        self.timeout = timeout
        self.noop_interval = noop_interval
        self.idle_limit = idle_limit
        self.connections_opened = 0
        self._client: FtpClient | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0
        self._keepalive: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        """Whether a connection is open right now."""
        return self._client is not None and self._client.connected

    async def _connection(self) -> tuple[FtpClient, bool]:
        """Return a logged-in client and whether it is fresh."""
        if self._client is not None and self._client.connected:
            return self._client, False
        client = FtpClient(self.destination, timeout=self.timeout)
        try:
            await client.connect()
            await client.login()
        except UploadError:
            await client.close()
            raise
        self._client = client
        self.connections_opened += 1
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = asyncio.create_task(self._keep_alive(), name="camupload-ftp-noop")
        return client, True

    async def upload(self, file: OutgoingFile) -> UploadResult:
        """Send one file over the open connection, re-opening it once if it broke."""
        async with self._lock:
            progress = _Progress()
            retried = False
            try:
                while True:
                    client, fresh = await self._connection()
                    try:
                        return await deliver(client, file, progress)
                    except UploadConnectionError:
                        await self._drop()
                        # A stale connection, or one that broke after the store, earns one retry.
                        if retried or (fresh and not progress.stored):
                            raise
                        retried = True
            finally:
                self._last_used = time.monotonic()

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(min(self.noop_interval, self.idle_limit))
            async with self._lock:
                if self._client is None:
                    return
                if time.monotonic() - self._last_used >= self.idle_limit:
                    await self._client.quit()
                    self._client = None
                    return
                try:
                    await self._client.noop()
                except UploadError:
                    await self._drop()
                    return

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def close(self) -> None:
        """Log off and stop the keep-alive; the session can be used again afterwards."""
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        async with self._lock:
            client, self._client = self._client, None
            if client is not None:
                await client.quit()
