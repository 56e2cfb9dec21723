"""Builds the receiver's archive from its settings."""

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.camupload.media_source import archive_root

from .archive import FrameArchive
from .archive_writer import ArchiveWriter
from .settings import ReceiverSettings


def archive_writer(hass: HomeAssistant, settings: ReceiverSettings) -> ArchiveWriter | None:
    """The writer that saves every received frame, when the archive is on."""
    if not settings.archive:
        return None
    archive = FrameArchive(
        archive_root(hass),
        retention_days=settings.archive_days,
        max_bytes=settings.archive_max_size,
        tz=dt_util.get_default_time_zone(),
    )
    return ArchiveWriter(archive)
