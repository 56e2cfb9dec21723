"""A listening socket that admits connections within caps and backs off when out of descriptors.

asyncio's own server logs a traceback for every accept that fails for want of a file
descriptor and tries again a hundred times per event, so a process at its open-file limit
spins writing tracebacks. This listener pauses instead (one warning, then a retry a second
later) and refuses connections over its caps at once, so that idle clients cannot take every
descriptor of the process.
"""

import asyncio
import logging
import socket
from collections.abc import Callable
from contextlib import suppress

_LOGGER = logging.getLogger(__name__)
# After a failed accept (no file descriptors left, say), listen again this much later.
ACCEPT_RETRY_DELAY = 1.0
# Connections accepted per readiness event before others get the event loop.
_ACCEPT_BATCH = 64
# A request that came with a refused connection is read first, so that closing sends FIN, not RST.
_DISCARD_SIZE = 64 * 1024
_BACKLOG = 128

# Called once per admitted connection: the socket, its address, and what releases its place.
type Admit = Callable[[socket.socket, str, Callable[[], None]], None]
# The bytes a connection over a cap gets before it is closed, given why it is refused.
type Refusal = Callable[[str], bytes]


def bind(host: str, port: int) -> socket.socket:
    """Bind a non-blocking listening TCP socket, so the chosen port is known before serving."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)
        sock.settimeout(0.0)  # non-blocking
    except OSError:
        sock.close()
        raise
    return sock


class CappedListener:
    """Accept connections on a listening socket, at most max_connections at a time.

    Each address may hold max_per_address of them. A connection over either cap gets the
    refusal's bytes and is closed at once, holding no descriptor. The owner hands each
    admitted connection to its protocol and calls the release it was given when it ends.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        admit: Admit,
        refusal: Refusal,
        max_connections: int,
        max_per_address: int,
    ) -> None:
        """Start accepting on a bound, listening, non-blocking socket."""
        self._sock = sock
        self._admit = admit
        self._refusal = refusal
        self._max_connections = max_connections
        self._max_per_address = max_per_address
        self._per_address: dict[str, int] = {}
        self._open = 0
        self._loop = asyncio.get_running_loop()
        self._retry: asyncio.TimerHandle | None = None
        self._paused_by: str | None = None
        self._closed = False
        self._loop.add_reader(sock.fileno(), self._accept)

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self._sock.getsockname()[1])

    @property
    def connections(self) -> int:
        """Connections admitted and not yet released."""
        return self._open

    def _accept(self) -> None:
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, peer = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as err:
                self._pause(err)
                return
            if self._paused_by is not None:
                _LOGGER.info("accepting connections again on port %s", self.port)
                self._paused_by = None
            conn.settimeout(0.0)  # non-blocking
            address = str(peer[0])
            reason = self._over_cap(address)
            if reason is not None:
                self._refuse(conn, reason)
                continue
            self._open += 1
            self._per_address[address] = self._per_address.get(address, 0) + 1
            self._admit(conn, address, self._releaser(address))

    def _over_cap(self, address: str) -> str | None:
        if self._per_address.get(address, 0) >= self._max_per_address:
            return f"too many connections from your address (at most {self._max_per_address})"
        if self._open >= self._max_connections:
            return f"too many connections (at most {self._max_connections})"
        return None

    def _refuse(self, conn: socket.socket, reason: str) -> None:
        try:
            with suppress(OSError):
                conn.recv(_DISCARD_SIZE)
            with suppress(OSError):
                conn.send(self._refusal(reason))
        finally:
            conn.close()

    def _releaser(self, address: str) -> Callable[[], None]:
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._open -= 1
            left = self._per_address[address] - 1
            if left:
                self._per_address[address] = left
            else:
                del self._per_address[address]

        return release

    def _pause(self, error: OSError) -> None:
        """Stop watching the socket for a while: a readable socket with no descriptor spins."""
        reason = error.strerror or type(error).__name__
        if self._paused_by is None:
            # Once per episode: the log must not grow while the process is out of descriptors.
            _LOGGER.warning(
                "cannot accept connections on port %s (%s), retrying every %s s",
                self.port,
                reason,
                ACCEPT_RETRY_DELAY,
            )
        self._paused_by = reason
        self._loop.remove_reader(self._sock.fileno())
        self._retry = self._loop.call_later(ACCEPT_RETRY_DELAY, self._resume)

    def _resume(self) -> None:
        self._retry = None
        if not self._closed:
            self._loop.add_reader(self._sock.fileno(), self._accept)

    def close(self) -> None:
        """Stop listening; admitted connections are their owner's to close."""
        if self._closed:
            return
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
