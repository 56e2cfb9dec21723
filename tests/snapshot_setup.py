"""Syrupy snapshots kept apart for each Home Assistant version the suite runs on.

Registry entries, states and config entries serialize differently from one release to the
next (new fields, renamed ones), so each release series compares against its own files:
tests/snapshots/<major.minor>/. Snapshots are taken at a fixed moment (`freeze_time`).
"""

from pathlib import Path
from typing import Final

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.location import PyTestLocation

HA_SERIES: Final = f"{MAJOR_VERSION}.{MINOR_VERSION}"
# The clock of every snapshot test, so entry dates and timestamps come out the same.
FROZEN_TIME: Final = "2025-06-01 12:00:00+00:00"


class VersionedSnapshotExtension(HomeAssistantSnapshotExtension):  # type: ignore[misc] # untyped plugin
    """Home Assistant's snapshot files, in a folder named for the running Home Assistant."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """tests/snapshots/<major.minor>: the other version's folder is never read."""
        return str(Path(super().dirname(test_location=test_location)) / HA_SERIES)
