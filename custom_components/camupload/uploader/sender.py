"""What every way of sending has in common, and how to pick one for a destination."""

from typing import Protocol as TypingProtocol

import aiohttp

from .http_client import HttpSender
from .model import Destination, OutgoingFile, UploadResult
from .session import OneShotSender, StreamingSession


class Sender(TypingProtocol):
    """Something that delivers files to one destination."""

    async def upload(self, file: OutgoingFile) -> UploadResult:
        """Deliver one file or raise UploadError."""

    async def close(self) -> None:
        """Release connections; the sender may be used again afterwards."""


def open_sender(
    destination: Destination,
    *,
    streaming: bool = False,
    http_session: aiohttp.ClientSession | None = None,
) -> Sender:
    """Return the sender for the destination's protocol.

    Args:
        destination: where to send (after `UploadProfile.resolve`).
        streaming: keep one FTP connection open across uploads (MOBOTIX Streaming FTP).
        http_session: an aiohttp session to share for HTTP destinations.
    """
    if not destination.protocol.is_ftp:
        return HttpSender(destination, session=http_session)
    if streaming:
        return StreamingSession(destination)
    return OneShotSender(destination)
