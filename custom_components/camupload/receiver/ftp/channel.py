"""FTP data connections as asyncio protocols: no stream objects, no task per connection.

A camera sends one file per data connection, often many a second. The protocol
collects the bytes as the event loop hands them over, bounded by the transfer's
size limit, and completes a future at the end of the transfer; a single timer per
stall period checks that bytes are still moving.
"""

import asyncio
import logging
from collections.abc import Callable

from .data import ActiveTarget

_LOGGER = logging.getLogger(__name__)


class TransferTooLargeError(Exception):
    """More bytes arrived on a data connection than the transfer may hold."""


class DataChannel(asyncio.Protocol):
    """One data connection: received bytes up to a limit, or bytes to send."""

    def __init__(
        self, limit: int, stall_timeout: float, admit: "Callable[[DataChannel], bool] | None" = None
    ) -> None:
        """Hold at most limit received bytes; fail a transfer that is still for stall_timeout.

        admit, if given, sees each new connection and closes it by returning False.
        """
        self.limit = limit
        self.stall_timeout = stall_timeout
        self._admit = admit
        self.transport: asyncio.Transport | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._loop = asyncio.get_running_loop()
        self._last_activity = self._loop.time()
        self._done: asyncio.Future[bytes] = self._loop.create_future()
        self._drained: asyncio.Future[None] | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport, or close it if the connection is not admitted."""
        self.transport = transport  # type: ignore[assignment]  # always a TCP transport here
        if self._admit is not None and not self._admit(self):
            transport.close()

    def data_received(self, data: bytes) -> None:
        """Collect bytes; fail the transfer as soon as it is over its limit."""
        if self._done.done():
            return
        self._size += len(data)
        if self._size > self.limit:
            self._chunks.clear()
            self._fail(TransferTooLargeError())
            return
        self._chunks.append(data)
        self._last_activity = self._loop.time()

    def eof_received(self) -> bool:
        """The sender finished: the transfer is complete."""
        if not self._done.done():
            self._done.set_result(b"".join(self._chunks))
            self._chunks.clear()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """A reset before the end fails the transfer; a plain close completes it."""
        if not self._done.done():
            if exc is None:
                self.eof_received()
            else:
                self._done.set_exception(ConnectionResetError(str(exc)))
        if self._drained is not None and not self._drained.done():
            self._drained.set_exception(ConnectionResetError("data connection lost"))

    def pause_writing(self) -> None:
        """The client is not taking bytes as fast as they are sent."""
        if self._drained is None or self._drained.done():
            self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        """The send buffer is empty again."""
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # Transfers

    async def received(self) -> bytes:
        """Return every byte of the transfer once the sender has finished.

        Raises TransferTooLargeError past the limit, TimeoutError when no byte
        arrives within the stall timeout, and OSError when the connection breaks.
        """
        if self._size > self.limit and not self._done.done():
            # The limit was lowered (APPE) after the bytes came in.
            self._chunks.clear()
            self._fail(TransferTooLargeError())
        self._last_activity = self._loop.time()
        timer = self._loop.call_later(self.stall_timeout, self._check_stall)
        try:
            # The future's own exception, or this task's cancellation (ABOR), ends the wait.
            return await self._done
        finally:
            timer.cancel()
            # Never retrieved when the transfer ends another way: keep asyncio quiet.
            if self._done.done() and not self._done.cancelled():
                self._done.exception()

    def _check_stall(self) -> None:
        if self._done.done():
            return
        still = self._loop.time() - self._last_activity
        if still >= self.stall_timeout:
            self._fail(TimeoutError())
        else:
            self._loop.call_later(self.stall_timeout - still, self._check_stall)

    def _fail(self, error: Exception) -> None:
        self._done.set_exception(error)
        if self.transport is not None:
            self.transport.abort()

    async def send(self, data: bytes) -> None:
        """Send bytes; TimeoutError if the client stops reading, OSError if it goes away."""
        transport = self.transport
        if transport is None or transport.is_closing():
            msg = "data connection closed"
            raise ConnectionResetError(msg)
        # Flow control from the first byte: pause_writing means bytes are waiting.
        transport.set_write_buffer_limits(high=0)
        transport.write(data)
        drained = self._drained
        if drained is not None:
            # resume_writing comes only once the buffer is empty: one wait is enough.
            async with asyncio.timeout(self.stall_timeout):
                await drained

    def close(self) -> None:
        """Close the connection (what was sent is still delivered)."""
        if self.transport is not None:
            self.transport.close()


type ChannelFactory = Callable[[], DataChannel]


async def connect_active(
    target: ActiveTarget, local_host: str, connect_timeout: float, channel: ChannelFactory
) -> DataChannel:
    """Open the data connection to the client, from the control connection's address."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(connect_timeout):
        _, protocol = await loop.create_connection(
            channel, target.host, target.port, local_addr=(local_host, 0)
        )
    return protocol
