"""FTP data connections on plain non-blocking sockets, driven by the event loop's selector.

A camera sends one file per data connection, often many a second, and the data
connection is the simplest socket there is: bytes one way, then end of file. So the
listener and the connections are watched with add_reader and read with recv, with
no transport, protocol or task per connection; a single timer per stall period
checks that bytes are still moving. This needs a selector event loop (the default
on Linux and macOS, and the one Home Assistant runs).
"""

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable

from custom_components.camupload.receiver.memory_budget import MemoryBudgetError, MemoryLease

from .data import ActiveTarget

_LOGGER = logging.getLogger(__name__)
# Bytes asked of the kernel per read (what asyncio's own transports ask for).
_RECV_SIZE = 256 * 1024
_BACKLOG = 8
# After a failed accept (no file descriptors left), listen again this much later.
_ACCEPT_RETRY_DELAY = 1.0

# Called with each accepted data connection and the address it comes from.
type Accept = Callable[[socket.socket, str], None]


class TransferTooLargeError(Exception):
    """More bytes arrived on a data connection than the transfer may hold."""


class DataChannel:
    """One data connection: the bytes received up to a limit, or bytes to send.

    The bytes it holds draw from a memory lease, given back when it closes; past the budget
    the transfer fails with MemoryBudgetError. Until a transfer claims it (received or send),
    a connection is read once and then left waiting, so that one holds at most one read, and
    it is closed if no transfer claims it within claim_timeout.
    """

    def __init__(
        self,
        sock: socket.socket,
        limit: int,
        stall_timeout: float,
        lease: MemoryLease,
        *,
        claim_timeout: float,
    ) -> None:
        """Start reading a connected non-blocking socket at once, keeping at most limit bytes."""
        self.limit = limit
        self._lease = lease
        self.stall_timeout = stall_timeout
        self._sock = sock
        self._fd = sock.fileno()
        self._loop = asyncio.get_running_loop()
        self._chunks: list[bytes] = []
        self._size = 0
        self._last_activity = self._loop.time()
        self._done: asyncio.Future[bytes] = self._loop.create_future()
        self._stall_timer: asyncio.TimerHandle | None = None
        self._writable: asyncio.Future[None] | None = None
        self._closed = False
        self._claimed = False
        self._paused = False
        self._claim_timer: asyncio.TimerHandle | None = self._loop.call_later(
            claim_timeout, self._unclaimed
        )
        # Read from the start: a client may send as soon as it is told to (150).
        self._loop.add_reader(self._fd, self._readable)

    def _readable(self) -> None:
        try:
            data = self._sock.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            self._fail(ConnectionResetError(err.errno, err.strerror))
            return
        if not data:
            self._loop.remove_reader(self._fd)
            if not self._done.done():
                self._done.set_result(b"".join(self._chunks))
            self._chunks.clear()
            return
        self._size += len(data)
        if self._size > self.limit:
            self._fail(TransferTooLargeError())
            return
        try:
            self._lease.grow(len(data))
        except MemoryBudgetError as err:
            self._fail(err)
            return
        self._chunks.append(data)
        self._last_activity = self._loop.time()
        if not self._claimed:
            # Sent before any transfer asked for it: the rest waits in the kernel (and the
            # client, by TCP flow control) until one does.
            self._loop.remove_reader(self._fd)
            self._paused = True

    def _claim(self) -> None:
        """A transfer takes the connection: read on, and never close it for want of one."""
        if self._claimed:
            return
        self._claimed = True
        if self._claim_timer is not None:
            self._claim_timer.cancel()
            self._claim_timer = None
        if self._paused and not self._closed:
            self._paused = False
            self._loop.add_reader(self._fd, self._readable)

    def _unclaimed(self) -> None:
        self._claim_timer = None
        if not self._claimed:
            self._fail(ConnectionResetError("no transfer used the data connection, closed"))

    def _fail(self, error: Exception) -> None:
        """End the transfer with error and drop the connection."""
        if not self._done.done():
            self._done.set_exception(error)
            # Marked as seen: the transfer may have been given up before anyone waits for it.
            self._done.exception()
        self.close()

    async def received(self) -> bytes:
        """Return every byte of the transfer once the sender has finished.

        Raises TransferTooLargeError past the limit, MemoryBudgetError past the memory
        budget, TimeoutError when no byte arrives within the stall timeout, and OSError when
        the connection breaks.
        """
        if self._size > self.limit:
            # Over a limit lowered after the bytes came in (APPE), even if they are all here.
            self.close()
            raise TransferTooLargeError
        self._claim()
        self._last_activity = self._loop.time()
        self._stall_timer = self._loop.call_later(self.stall_timeout, self._check_stall)
        try:
            # The future's own exception, or this task's cancellation (ABOR), ends the wait.
            return await self._done
        finally:
            self._stall_timer.cancel()

    def _check_stall(self) -> None:
        if self._done.done():
            return
        still = self._loop.time() - self._last_activity
        if still >= self.stall_timeout:
            self._fail(TimeoutError())
        else:
            self._stall_timer = self._loop.call_later(self.stall_timeout - still, self._check_stall)

    async def send(self, data: bytes) -> None:
        """Send bytes.

        TimeoutError if the client takes none for the stall timeout, OSError if it goes away.
        """
        self._claim()
        view = memoryview(data)
        while view:
            if self._closed:
                msg = "data connection closed"
                raise ConnectionResetError(msg)
            try:
                sent = self._sock.send(view)
            except (BlockingIOError, InterruptedError):
                sent = 0
            view = view[sent:]
            if view:
                async with asyncio.timeout(self.stall_timeout):
                    await self._wait_writable()

    async def _wait_writable(self) -> None:
        waiter = self._loop.create_future()
        self._writable = waiter
        self._loop.add_writer(self._fd, _resolve, waiter)
        try:
            await waiter
        finally:
            self._writable = None
            if not self._closed:
                self._loop.remove_writer(self._fd)

    def close(self) -> None:
        """Close the connection (bytes already sent are still delivered)."""
        if self._closed:
            return
        self._closed = True
        self._chunks.clear()
        self._lease.release()
        if not self._done.done():
            # A transfer still waiting for these bytes ends now, not at the stall timeout.
            self._done.set_exception(ConnectionResetError("data connection closed"))
            self._done.exception()
        for timer in (self._stall_timer, self._claim_timer):
            if timer is not None:
                timer.cancel()
        # Both watches go before the socket does: its number may be reused at once.
        self._loop.remove_reader(self._fd)
        self._loop.remove_writer(self._fd)
        if self._writable is not None and not self._writable.done():
            self._writable.set_exception(ConnectionResetError("data connection closed"))
        self._sock.close()


def _resolve(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)


class PassiveListener:
    """A listening socket for one session's passive data connections."""

    def __init__(self, sock: socket.socket, accept: Accept) -> None:
        """Watch a listening non-blocking socket; accept gets each connection and its peer."""
        self._sock = sock
        self._accept_callback = accept
        self.family = sock.family
        self.host: str
        self.port: int
        self.host, self.port = sock.getsockname()[:2]
        self._closed = False
        self._retry: asyncio.TimerHandle | None = None
        asyncio.get_running_loop().add_reader(sock.fileno(), self._accept)

    def _accept(self) -> None:
        try:
            conn, address = self._sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as err:
            # Out of file descriptors, say: pause instead of spinning on a readable socket.
            _LOGGER.warning("cannot accept a data connection: %s", err)
            loop = asyncio.get_running_loop()
            loop.remove_reader(self._sock.fileno())
            self._retry = loop.call_later(_ACCEPT_RETRY_DELAY, self._resume)
            return
        conn.settimeout(0.0)  # non-blocking
        self._accept_callback(conn, str(address[0]))

    def _resume(self) -> None:
        self._retry = None
        if not self._closed:
            asyncio.get_running_loop().add_reader(self._sock.fileno(), self._accept)

    def close(self) -> None:
        """Stop listening."""
        if not self._closed:
            self._closed = True
            if self._retry is not None:
                self._retry.cancel()
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()


def listen(host: str, port: int, accept: Accept) -> PassiveListener:
    """Listen on host:port (0: any free port); OSError if the port cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
        sock.settimeout(0.0)  # non-blocking
        return PassiveListener(sock, accept)
    except BaseException:
        sock.close()
        raise


async def connect_active(  # noqa: PLR0913 - the channel's settings, passed through
    target: ActiveTarget,
    local_host: str,
    connect_timeout: float,
    limit: int,
    stall: float,
    *,
    lease: MemoryLease,
) -> DataChannel:
    """Open the data connection to the client, from the control connection's address.

    The channel holds lease (released here if the connection cannot be made).
    """
    family = socket.AF_INET6 if ":" in target.host else socket.AF_INET
    local = _local_address(local_host, family)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(0.0)  # non-blocking
        if local is not None:
            sock.bind((local, 0))
        async with asyncio.timeout(connect_timeout):
            await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
    except BaseException:
        sock.close()
        lease.release()
        raise
    # Claimed at once by the transfer that opened it.
    return DataChannel(sock, limit, stall, lease, claim_timeout=connect_timeout)


def _local_address(host: str, family: socket.AddressFamily) -> str | None:
    """The control connection's address in the target's family, or None to let the OS pick."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    wanted = 6 if family == socket.AF_INET6 else 4
    return str(address) if address.version == wanted else None
