"""Turn received bytes into frames or files and hand them to the sink."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from .model import Account, ReceivedFile, ReceivedFrame, Source
from .stats import StatsBook

_LOGGER = logging.getLogger(__name__)

type Sink = Callable[[ReceivedFrame | ReceivedFile], None]
type AuthFailureCallback = Callable[[str, str, Source], None]
"""Called with (username, remote address, source) after a failed login."""


class Publisher:
    """Deliver results to one sink and keep the statistics in step."""

    def __init__(
        self,
        sink: Sink,
        stats: StatsBook,
        on_auth_failure: AuthFailureCallback | None = None,
    ) -> None:
        """Publish to sink, count in stats, report failed logins to on_auth_failure."""
        self._sink = sink
        self.stats = stats
        self._on_auth_failure = on_auth_failure

    def frame(
        self, account: Account, data: bytes, source: Source, file_name: str | None = None
    ) -> ReceivedFrame:
        """Publish a complete JPEG."""
        frame = ReceivedFrame(
            data=data,
            username=account.username,
            camera_id=account.camera_id,
            received_at=datetime.now(UTC),
            source=source,
            file_name=file_name,
        )
        self.stats.frame(account.username, len(data), frame.received_at)
        self._deliver(frame)
        return frame

    def file(self, account: Account, data: bytes, source: Source, file_name: str) -> ReceivedFile:
        """Publish a non-JPEG upload (a clip, a log)."""
        received = ReceivedFile(
            data=data,
            username=account.username,
            camera_id=account.camera_id,
            received_at=datetime.now(UTC),
            source=source,
            file_name=file_name,
        )
        self.stats.file(account.username, len(data))
        self._deliver(received)
        return received

    def auth_failed(self, username: str, address: str, source: Source) -> None:
        """Report a failed login."""
        _LOGGER.info("failed %s login for %r from %s", source, username, address)
        if self._on_auth_failure is None:
            return
        try:
            self._on_auth_failure(username, address, source)
        except Exception:
            _LOGGER.exception("auth failure callback raised")

    def _deliver(self, item: ReceivedFrame | ReceivedFile) -> None:
        try:
            self._sink(item)
        except Exception:
            # A broken sink must not take the camera's connection down.
            _LOGGER.exception("receiver sink raised for %s", item.username)
