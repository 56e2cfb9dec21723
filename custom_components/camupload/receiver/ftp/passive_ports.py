"""The passive port range (--passive-ports): free ports, and the sessions waiting in line for one.

A session holds a port only from PASV/EPSV until its data connection comes in, so many
cameras that stay connected share a few ports. When they all ask at once, the ones that find
no free port wait in line: a port given back goes straight to the session that has waited
longest, so a PASV that comes later can never take it first. A port that another program
holds for a moment (a client's ephemeral port, say) is set aside and offered again shortly
after, to the first in line, so the range never shrinks for good.
"""

import asyncio
import errno
import heapq
import logging
from collections import deque
from collections.abc import Iterable

from .channel import Accept, PassiveListener, listen

_LOGGER = logging.getLogger(__name__)

# A port found taken by another program (often a client's short-lived ephemeral port) is
# tried again this much later.
BUSY_PORT_RETRY_DELAY = 1.0


class NoFreePortError(Exception):
    """No port of the range is free now (or sessions already wait for one)."""


class PassivePortRange:
    """Hands out the ports of a passive range, first come, first served."""

    def __init__(self, ports: Iterable[int]) -> None:
        """Start with every port free."""
        # (times found taken by another program in a row, port): such ports come last.
        self._free = [(0, port) for port in ports]
        heapq.heapify(self._free)
        self._failures: dict[int, int] = {}
        self._waiting: deque[asyncio.Future[int]] = deque()
        # Set-aside ports waiting to be offered again.
        self._retries: set[asyncio.TimerHandle] = set()

    @property
    def waiting(self) -> int:
        """Sessions waiting in line for a port."""
        return sum(1 for waiter in self._waiting if not waiter.done())

    def listen(self, host: str, accept: Accept) -> PassiveListener:
        """Listen on a free port now.

        NoFreePortError when none is free or sessions already wait for one; a port found
        taken by another program is set aside for a while and the next one tried.
        """
        while self._free and not self.waiting:
            _, port = heapq.heappop(self._free)
            listener = self._listen_on(host, port, accept)
            if listener is not None:
                return listener
        raise NoFreePortError

    async def listen_when_free(self, host: str, accept: Accept) -> PassiveListener:
        """Wait in line for a port given back, then listen on it.

        Cancel the task (or let a timeout do it) to leave the line; a port handed over at
        that moment goes on to the next in line.
        """
        front = False
        while True:
            port = await self._next_port(front=front)
            listener = self._listen_on(host, port, accept)
            if listener is not None:
                return listener
            # Taken by another program meanwhile: this session keeps its place at the front.
            front = True

    def give_back(self, port: int) -> None:
        """Return a port: to the session that has waited longest, or to the free ports."""
        while self._waiting:
            waiter = self._waiting.popleft()
            # A waiter cancelled a moment ago may still be in line: it takes nothing now.
            if not waiter.done():
                waiter.set_result(port)
                return
        heapq.heappush(self._free, (self._failures.get(port, 0), port))

    async def _next_port(self, *, front: bool) -> int:
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if front:
            self._waiting.appendleft(waiter)
        else:
            self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Handed a port just as the wait ended: the next in line gets it.
                self.give_back(waiter.result())
            raise
        finally:
            # Whoever leaves the line (timeout, ABOR, QUIT, end of session) leaves no trace.
            if waiter in self._waiting:
                self._waiting.remove(waiter)

    def _listen_on(self, host: str, port: int, accept: Accept) -> PassiveListener | None:
        """Listen on a port held here; None (the port set aside) if another program has it."""
        try:
            listener = listen(host, port, accept)
        except OSError as err:
            self._failures[port] = self._failures.get(port, 0) + 1
            _LOGGER.debug("passive port %s is taken (%s), offered again later", port, err)
            self._offer_later(port)
            if err.errno != errno.EADDRINUSE:
                raise
            return None
        self._failures.pop(port, None)
        return listener

    def _offer_later(self, port: int) -> None:
        def offer() -> None:
            self._retries.discard(handle)
            self.give_back(port)

        handle = asyncio.get_running_loop().call_later(BUSY_PORT_RETRY_DELAY, offer)
        self._retries.add(handle)

    def close(self) -> None:
        """Drop the pending offers of set-aside ports (the server is stopping)."""
        for handle in self._retries:
            handle.cancel()
        self._retries.clear()
