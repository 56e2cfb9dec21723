"""Live per-account counters."""

from dataclasses import replace
from datetime import datetime

from .model import AccountStats


class StatsBook:
    """Frames, bytes, last frame time and open connections for each account."""

    def __init__(self) -> None:
        """Start with no counters."""
        self._stats: dict[str, AccountStats] = {}

    def get(self, username: str) -> AccountStats:
        """Return the counters of one account (zeros if it never connected)."""
        return self._stats.get(username, AccountStats())

    def snapshot(self) -> dict[str, AccountStats]:
        """Return the counters of every account seen so far."""
        return dict(self._stats)

    def frame(self, username: str, size: int, at: datetime) -> None:
        """Count one published frame."""
        stats = self.get(username)
        self._stats[username] = replace(
            stats, frames=stats.frames + 1, bytes=stats.bytes + size, last_frame_at=at
        )

    def file(self, username: str, size: int) -> None:
        """Count one published non-JPEG file."""
        stats = self.get(username)
        self._stats[username] = replace(stats, files=stats.files + 1, bytes=stats.bytes + size)

    def connection_opened(self, username: str) -> None:
        """Count a connection that logged in as username."""
        stats = self.get(username)
        self._stats[username] = replace(stats, active_connections=stats.active_connections + 1)

    def connection_closed(self, username: str) -> None:
        """Forget a connection that logged in as username."""
        stats = self.get(username)
        count = max(stats.active_connections - 1, 0)
        self._stats[username] = replace(stats, active_connections=count)

    def active_connections(self, username: str) -> int:
        """Return how many connections are logged in as username."""
        return self.get(username).active_connections
