"""Builds the receiver's archive from its options."""

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import (
    CONF_ARCHIVE,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
    MIB,
)
from custom_components.camupload.media_source import archive_root

from .archive import FrameArchive
from .archive_writer import ArchiveWriter


def archive_writer(hass: HomeAssistant, options: Mapping[str, Any]) -> ArchiveWriter | None:
    """The writer that saves every received frame, when the archive is on."""
    if not options.get(CONF_ARCHIVE):
        return None
    archive = FrameArchive(
        archive_root(hass),
        retention_days=options[CONF_ARCHIVE_DAYS],
        max_bytes=options[CONF_ARCHIVE_MAX_MB] * MIB,
        tz=dt_util.get_default_time_zone(),
    )
    return ArchiveWriter(archive)
