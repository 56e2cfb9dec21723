"""What an upload profile reports (status, deliveries, tests) and where its data lives."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import DOMAIN
from custom_components.camupload.uploader.network_test import NetworkTestLog

FAILING_ISSUE_PREFIX = "profile_failing_"
EVENTS_STORE_PREFIX = f"{DOMAIN}.events."
NETWORK_TEST_NOTIFICATION_PREFIX = f"{DOMAIN}_network_test_"
# Every ASCII punctuation character: CommonMark lets each be backslash-escaped to stay literal.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def failing_issue_id(subentry_id: str) -> str:
    """The repair issue raised for a profile that keeps failing."""
    return f"{FAILING_ISSUE_PREFIX}{subentry_id}"


def events_store_key(subentry_id: str) -> str:
    """The Store (under .storage) that keeps a profile's last event number."""
    return f"{EVENTS_STORE_PREFIX}{subentry_id}"


def network_test_notification_id(subentry_id: str) -> str:
    """The notification showing a profile's latest Test: a new test replaces the last one."""
    return f"{NETWORK_TEST_NOTIFICATION_PREFIX}{subentry_id}"


def spool_directory(hass: HomeAssistant, subentry_id: str) -> Path:
    """Where a profile's undelivered files wait, below Home Assistant's config folder."""
    return Path(hass.config.path(".storage", DOMAIN, "spool", subentry_id))


@dataclass(kw_only=True)
class ProfileStatus:
    """What the profile's sensors show."""

    last_upload: datetime | None = None
    last_destination: str | None = None  # the URL of the last file delivered
    last_path: str | None = None  # its path on the server
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


def delivered_file_name(status: ProfileStatus) -> str | None:
    """The last delivered file's name, short enough for a card; its URL says the rest."""
    path = status.last_path
    if path is None and status.last_destination is not None:
        # A value kept by an older version has only the URL (of the file, for FTP).
        path = urlsplit(status.last_destination).path
    return (PurePosixPath(path).name or None) if path else None


def markdown_literal(text: str) -> str:
    """Text a Markdown renderer shows as is, on one line: no markup, link or HTML tag."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def network_test_report(profile: str, destination: str, log: NetworkTestLog) -> tuple[str, str]:
    """The title and Markdown message of a Test's notification: each step and its reply."""
    title = f"Upload profile {profile}: test {'passed' if log.ok else 'failed'}"
    lines = [f"Destination: {markdown_literal(destination)}", ""]
    lines += [
        f"- **{'OK' if step.ok else 'FAILED'}** {markdown_literal(step.name)} "
        f"({round(step.seconds * 1000)} ms): {markdown_literal(step.detail)}"
        for step in log.steps
    ]
    lines += [
        "",
        "Every step passed."
        if log.ok
        else "The test stopped at the failed step; the server's reply says why.",
    ]
    return title, "\n".join(lines)
