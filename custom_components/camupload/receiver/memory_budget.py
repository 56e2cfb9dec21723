"""One memory budget for every buffer the receiver fills on a client's behalf.

Request heads, upload bodies, MJPEG frames being put together, FTP data connections and the
files FTP keeps in memory all draw from one budget. Each holder takes a lease, grows it as
bytes arrive and releases it when the bytes go; past the budget a lease refuses to grow and
the client gets a clear refusal (HTTP 503 with Retry-After, FTP 452 or 451) instead of the
process's memory. The budget counts the bytes each buffer holds, not Python's overhead or a
short-lived copy made while a body is joined.
"""

from dataclasses import dataclass
from types import TracebackType
from typing import Self

from .errors import ReceiverError

# What a refused client is told to wait: buffers are freed as uploads end or stall out.
RETRY_AFTER_SECONDS = 10
_MIB = 1024 * 1024


class MemoryBudgetError(ReceiverError):
    """A buffer cannot grow: the receiver's memory budget is spent."""

    def __init__(self, wanted: int, budget: "MemoryBudget") -> None:
        """Describe the refused growth and the budget's state."""
        self.wanted = wanted
        self.used = budget.used
        self.limit = budget.limit
        super().__init__(
            f"memory budget spent ({self.used / _MIB:.1f} of {self.limit / _MIB:.1f} MiB"
            " in use), try again later"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryUse:
    """The budget at one moment, for diagnostics and tests."""

    limit: int
    used: int
    peak: int
    leases: int
    refusals: int


class MemoryBudget:
    """A limit on the bytes all leases hold together."""

    def __init__(self, limit: int) -> None:
        """Allow leases to hold limit bytes together (at least 1)."""
        if limit < 1:
            msg = f"a memory budget needs at least 1 byte, got {limit}"
            raise ValueError(msg)
        self.limit = limit
        self._used = 0
        self._peak = 0
        self._leases = 0
        self._refusals = 0

    @property
    def used(self) -> int:
        """Bytes held by all leases now."""
        return self._used

    @property
    def available(self) -> int:
        """Bytes a lease may still take."""
        return self.limit - self._used

    def ensure_room(self, size: int) -> None:
        """MemoryBudgetError (counted as a refusal) if size more bytes do not fit now.

        For a length known in advance: refusing before a byte is read spares the transfer.
        """
        if size > self.available:
            self._refusals += 1
            raise MemoryBudgetError(size, self)

    def lease(self) -> "MemoryLease":
        """Open a lease holding nothing yet; release it (or leave its with block) when done."""
        return MemoryLease(self)

    def snapshot(self) -> MemoryUse:
        """The counters now."""
        return MemoryUse(
            limit=self.limit,
            used=self._used,
            peak=self._peak,
            leases=self._leases,
            refusals=self._refusals,
        )

    def _take(self, size: int) -> bool:
        if self._used + size > self.limit:
            self._refusals += 1
            return False
        self._used += size
        self._peak = max(self._peak, self._used)
        return True

    def _give(self, size: int) -> None:
        self._used -= size


class MemoryLease:
    """The bytes one buffer holds from a budget; grows and shrinks with the buffer.

    Not shared between tasks: each buffer (a request, a data connection, a file system)
    has its own. Releasing is idempotent, and a with block releases on the way out.
    """

    __slots__ = ("_budget", "_held", "_open")

    def __init__(self, budget: MemoryBudget) -> None:
        """Open a lease on budget (use MemoryBudget.lease)."""
        self._budget = budget
        self._held = 0
        self._open = True
        budget._leases += 1  # noqa: SLF001 - the budget's own counter, kept by its leases

    @property
    def held(self) -> int:
        """Bytes this lease holds."""
        return self._held

    def try_grow(self, size: int) -> bool:
        """Take size more bytes; False (holding what it held) if the budget has no room."""
        if size <= 0:
            return True
        if not self._open or not self._budget._take(size):  # noqa: SLF001 - same module
            return False
        self._held += size
        return True

    def grow(self, size: int) -> None:
        """Take size more bytes; MemoryBudgetError if the budget has no room."""
        if not self.try_grow(size):
            raise MemoryBudgetError(size, self._budget)

    def resize(self, size: int) -> None:
        """Hold exactly size bytes; MemoryBudgetError (holding what it held) if it cannot grow."""
        if size > self._held:
            self.grow(size - self._held)
        else:
            self.shrink(self._held - size)

    def shrink(self, size: int) -> None:
        """Give back size bytes (at most what it holds)."""
        size = min(max(size, 0), self._held)
        self._held -= size
        self._budget._give(size)  # noqa: SLF001 - same module

    def release(self) -> None:
        """Give back everything and close the lease; later growth is refused."""
        if self._open:
            self.shrink(self._held)
            self._open = False
            self._budget._leases -= 1  # noqa: SLF001 - same module

    def __enter__(self) -> Self:
        """Use the lease in a with block."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release on the way out, whatever happened."""
        self.release()
