"""What an upload profile reports (status, deliveries) and where its data lives."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import DOMAIN

FAILING_ISSUE_PREFIX = "profile_failing_"
EVENTS_STORE_PREFIX = f"{DOMAIN}.events."


def failing_issue_id(subentry_id: str) -> str:
    """The repair issue raised for a profile that keeps failing."""
    return f"{FAILING_ISSUE_PREFIX}{subentry_id}"


def events_store_key(subentry_id: str) -> str:
    """The Store (under .storage) that keeps a profile's last event number."""
    return f"{EVENTS_STORE_PREFIX}{subentry_id}"


def spool_directory(hass: HomeAssistant, subentry_id: str) -> Path:
    """Where a profile's undelivered files wait, below Home Assistant's config folder."""
    return Path(hass.config.path(".storage", DOMAIN, "spool", subentry_id))


@dataclass(kw_only=True)
class ProfileStatus:
    """What the profile's sensors show."""

    last_upload: datetime | None = None
    last_destination: str | None = None
    last_error: str | None = None
    uploads_today: int = 0
    day: date = field(default_factory=lambda: dt_util.now().date())
    failing_since: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One file of an upload: where it went (or waits), how big, how long it took."""

    destination: str
    path: str
    bytes: int
    milliseconds: int
    spooled: bool

    def as_dict(self) -> dict[str, Any]:
        """The action's response entry."""
        return {
            "destination": self.destination,
            "path": self.path,
            "bytes": self.bytes,
            "milliseconds": self.milliseconds,
            "spooled": self.spooled,
        }


@dataclass(frozen=True, kw_only=True)
class ProfileUpload:
    """What one upload of a profile did: its event number (None without an event), its files."""

    event: int | None
    deliveries: tuple[Delivery, ...]
