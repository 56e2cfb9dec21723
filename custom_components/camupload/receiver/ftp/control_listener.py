"""The FTP control port: connections admitted within caps, each served as a stream pair.

aioftp listens with asyncio.start_server, which logs a traceback for every accept that fails
for want of a file descriptor and tries again at once; the shared CappedListener pauses
instead, and refuses connections over the caps before they hold a session.
"""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

from custom_components.camupload.receiver.listener import CappedListener, bind

_LOGGER = logging.getLogger(__name__)

# Serves one control connection until it ends.
type Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ControlListener:
    """Accept control connections on one port and run serve for each in a task of its own."""

    def __init__(self, serve: Serve, *, max_connections: int, max_per_address: int) -> None:
        """Serve each admitted connection with serve; nothing listens until start()."""
        self._serve = serve
        self._max_connections = max_connections
        self._max_per_address = max_per_address
        self._listener: CappedListener | None = None
        self._sessions: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The port listened on (0 before start)."""
        return self._listener.port if self._listener is not None else 0

    @property
    def connections(self) -> int:
        """Control connections admitted and not yet ended."""
        return self._listener.connections if self._listener is not None else 0

    def start(self, host: str, port: int) -> None:
        """Listen on host:port (0: any free port); OSError if it cannot be bound."""
        self._listener = CappedListener(
            bind(host, port),
            admit=self._admit,
            refusal=_refusal,
            max_connections=self._max_connections,
            max_per_address=self._max_per_address,
        )

    def _admit(self, sock: socket.socket, address: str, release: Callable[[], None]) -> None:
        del address
        task = asyncio.get_running_loop().create_task(self._run(sock, release))
        self._sessions.add(task)
        task.add_done_callback(self._sessions.discard)

    async def _run(self, sock: socket.socket, release: Callable[[], None]) -> None:
        try:
            try:
                reader, writer = await asyncio.open_connection(sock=sock)
            except OSError as err:
                # The client left at once, say: nothing to serve.
                _LOGGER.debug("cannot serve an FTP connection: %s", err)
                sock.close()
                return
            except asyncio.CancelledError:
                sock.close()
                raise
            await self._serve(reader, writer)
        finally:
            release()

    async def close(self) -> None:
        """Stop listening, end every session (serve is cancelled) and wait until they ended."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        sessions = list(self._sessions)
        for task in sessions:
            task.cancel()
        if sessions:
            await asyncio.wait(sessions)


def _refusal(reason: str) -> bytes:
    return f"421 {reason}, try again later\r\n".encode()
