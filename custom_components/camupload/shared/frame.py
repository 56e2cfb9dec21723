"""The one frame type: a JPEG image and when it arrived, with how it came when uploaded."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

type Source = Literal["ftp", "http", "mjpeg"]
"""How a camera uploaded a frame: FTP, an HTTP photo upload, or an MJPEG push."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """One JPEG image and when it arrived.

    A frame a camera uploaded also says how (source) and under which name (file_name, if the
    protocol gives one); a frame taken from a camera entity has neither.
    """

    data: bytes
    received_at: datetime
    source: Source | None = None
    file_name: str | None = None
