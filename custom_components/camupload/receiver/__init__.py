"""Receiver engine: Sensr-compatible FTP upload, HTTP photo upload and MJPEG push.

A plain asyncio library with no Home Assistant imports; the integration adapts it.
"""

from .accounts import AccountBook, FailureLimiter
from .errors import AccountError, ReceiverError, ReceiverStartError
from .http_upload import REALM, HttpUploadHandlers, parse_basic_auth
from .model import (
    Account,
    AccountStats,
    ReceivedFile,
    ReceivedFrame,
    ReceiverConfig,
    Source,
)
from .publisher import AuthFailureCallback, Sink
from .server import Receiver
from .splitter import FrameSplitter, is_complete_jpeg, jpeg_length

__all__ = [
    "REALM",
    "Account",
    "AccountBook",
    "AccountError",
    "AccountStats",
    "AuthFailureCallback",
    "FailureLimiter",
    "FrameSplitter",
    "HttpUploadHandlers",
    "ReceivedFile",
    "ReceivedFrame",
    "Receiver",
    "ReceiverConfig",
    "ReceiverError",
    "ReceiverStartError",
    "Sink",
    "Source",
    "is_complete_jpeg",
    "jpeg_length",
    "parse_basic_auth",
]
