"""Live per-account counters."""

from datetime import datetime

from .model import AccountStats


class _Counters:
    """Mutable counters of one account; AccountStats values are built only when asked."""

    __slots__ = ("active_connections", "bytes", "files", "frames", "last_frame_at")

    def __init__(self) -> None:
        self.frames = 0
        self.files = 0
        self.bytes = 0
        self.last_frame_at: datetime | None = None
        self.active_connections = 0

    def value(self) -> AccountStats:
        return AccountStats(
            frames=self.frames,
            files=self.files,
            bytes=self.bytes,
            last_frame_at=self.last_frame_at,
            active_connections=self.active_connections,
        )


class StatsBook:
    """Frames, bytes, last frame time and open connections for each account."""

    def __init__(self) -> None:
        """Start with no counters."""
        self._stats: dict[str, _Counters] = {}

    def _counters(self, username: str) -> _Counters:
        counters = self._stats.get(username)
        if counters is None:
            counters = self._stats[username] = _Counters()
        return counters

    def get(self, username: str) -> AccountStats:
        """Return the counters of one account (zeros if it never connected)."""
        counters = self._stats.get(username)
        return AccountStats() if counters is None else counters.value()

    def snapshot(self) -> dict[str, AccountStats]:
        """Return the counters of every account seen so far."""
        return {username: counters.value() for username, counters in self._stats.items()}

    def frame(self, username: str, size: int, at: datetime) -> None:
        """Count one published frame."""
        counters = self._counters(username)
        counters.frames += 1
        counters.bytes += size
        counters.last_frame_at = at

    def file(self, username: str, size: int) -> None:
        """Count one published non-JPEG file."""
        counters = self._counters(username)
        counters.files += 1
        counters.bytes += size

    def connection_opened(self, username: str) -> None:
        """Count a connection that logged in as username."""
        self._counters(username).active_connections += 1

    def connection_closed(self, username: str) -> None:
        """Forget a connection that logged in as username."""
        counters = self._counters(username)
        counters.active_connections = max(counters.active_connections - 1, 0)

    def active_connections(self, username: str) -> int:
        """Return how many connections are logged in as username."""
        counters = self._stats.get(username)
        return 0 if counters is None else counters.active_connections
