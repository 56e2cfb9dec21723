"""The receiver entry's settings: where each is stored, the forms, typed values.

Where cameras connect (ports and addresses) is in the entry's data and changes through its
Reconfigure step; everything else is an option (its Configure).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.data_entry_flow import section
from homeassistant.helpers import selector

from custom_components.camupload.const import (
    CONF_ARCHIVE,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
    CONF_FTP_PORT,
    CONF_HTTP_ON_HA,
    CONF_HTTP_PORT,
    CONF_IDLE_AFTER,
    CONF_LISTEN_ADDRESS,
    CONF_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB,
    CONF_ONLINE_WINDOW,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    MIB,
    RECEIVER_DEFAULTS,
)
from custom_components.camupload.receiver import ReceiverConfig

# Where cameras connect: the entry's data, changed by its Reconfigure step.
CONNECTION_KEYS: Final = (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_PASSIVE_PORTS,
    CONF_LISTEN_ADDRESS,
    CONF_PUBLIC_ADDRESS,
)
# Everything else: the entry's options.
OPTION_KEYS: Final = tuple(key for key in RECEIVER_DEFAULTS if key not in CONNECTION_KEYS)
OPTION_DEFAULTS: Final[Mapping[str, object]] = {key: RECEIVER_DEFAULTS[key] for key in OPTION_KEYS}

INTEGER_OPTIONS: Final = (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB,
    CONF_IDLE_AFTER,
    CONF_ONLINE_WINDOW,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
)
TEXT_OPTIONS: Final = (CONF_PASSIVE_PORTS, CONF_PUBLIC_ADDRESS, CONF_LISTEN_ADDRESS)
# Text fields a user may empty: no default, so an emptied one is left out and means empty.
_EMPTIABLE: Final = (CONF_PASSIVE_PORTS, CONF_PUBLIC_ADDRESS)

SECTION_ADVANCED: Final = "advanced"
# Settings few receivers change: the add form keeps them in its collapsed "Advanced" section.
ADVANCED_OPTIONS: Final = (
    CONF_LISTEN_ADDRESS,
    CONF_PUBLIC_ADDRESS,
    CONF_PASSIVE_PORTS,
    CONF_HTTP_PORT,
    CONF_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB,
    CONF_IDLE_AFTER,
    CONF_ONLINE_WINDOW,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
)
# The memory budget's bounds in the form: a few uploads at least, at most a large machine's share.
MIN_MEMORY_BUDGET_MB: Final = 16
MAX_MEMORY_BUDGET_MB: Final = 4096


def _number(minimum: int, maximum: int, unit: str | None = None) -> selector.NumberSelector:
    config = selector.NumberSelectorConfig(
        min=minimum, max=maximum, step=1, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)


_TEXT = selector.TextSelector()
_SWITCH = selector.BooleanSelector()
_SELECTORS: Final[Mapping[str, Any]] = {
    CONF_FTP_PORT: _number(1, 65535),
    CONF_HTTP_PORT: _number(0, 65535),
    CONF_PASSIVE_PORTS: _TEXT,
    CONF_LISTEN_ADDRESS: _TEXT,
    CONF_PUBLIC_ADDRESS: _TEXT,
    CONF_HTTP_ON_HA: _SWITCH,
    CONF_ARCHIVE: _SWITCH,
    CONF_MAX_UPLOAD_MB: _number(1, 256, "MB"),
    CONF_MEMORY_BUDGET_MB: _number(MIN_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, "MB"),
    CONF_IDLE_AFTER: _number(1, 3600, "s"),
    CONF_ONLINE_WINDOW: _number(10, 86400, "s"),
    CONF_ARCHIVE_DAYS: _number(1, 3650, "d"),
    CONF_ARCHIVE_MAX_MB: _number(10, 1_000_000, "MB"),
}


def _marker(key: str) -> vol.Marker:
    if key in _EMPTIABLE:
        return vol.Optional(key)
    return vol.Required(key, default=RECEIVER_DEFAULTS[key])


@dataclass(frozen=True, kw_only=True)
class ReceiverForm:
    """One form of the receiver: its fields at the top, and those in "Advanced" (collapsed).

    Stored settings are flat; the form nests the advanced ones in a section.
    """

    top: tuple[str, ...]
    advanced: tuple[str, ...] = ()

    def schema(self, *, expand_advanced: bool = False) -> vol.Schema:
        """The form with default values; a flow shows current ones as suggested values."""
        fields: dict[vol.Marker, Any] = {_marker(key): _SELECTORS[key] for key in self.top}
        if self.advanced:
            inner = vol.Schema({_marker(key): _SELECTORS[key] for key in self.advanced})
            fields[vol.Required(SECTION_ADVANCED)] = section(
                inner, {"collapsed": not expand_advanced}
            )
        return vol.Schema(fields)

    def suggested(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Flat values as the form shows them: nested like the form, empty texts left out."""
        shown = {
            key: value
            for key, value in values.items()
            if key in self.top + self.advanced and value not in ("", None)
        }
        top = {key: value for key, value in shown.items() if key in self.top}
        if not self.advanced:
            return top
        return {**top, SECTION_ADVANCED: {k: v for k, v in shown.items() if k in self.advanced}}

    def values(self, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """The submitted form's settings: flat, integers as integers, text trimmed.

        An emptied optional field is left out of the submission: it stores its (empty) default.
        """
        flat = {key: value for key, value in user_input.items() if key != SECTION_ADVANCED}
        flat.update(user_input.get(SECTION_ADVANCED) or {})
        values = {key: flat.get(key, RECEIVER_DEFAULTS[key]) for key in self.top + self.advanced}
        for key in values.keys() & set(INTEGER_OPTIONS):
            values[key] = int(values[key])
        for key in values.keys() & set(TEXT_OPTIONS):
            values[key] = str(values[key] or "").strip()
        return values

    def errors(self, errors: Mapping[str, str]) -> dict[str, str]:
        """Errors by form field: the frontend shows a section's error above the section only.

        Each error code of an advanced field names its field, so one message per section suffices.
        """
        shown: dict[str, str] = {}
        for key, error in errors.items():
            shown.setdefault(SECTION_ADVANCED if key in self.advanced else key, error)
        return shown


# Adding the receiver asks for everything, the rarely changed settings under "Advanced".
ADD_FORM: Final = ReceiverForm(
    top=(CONF_FTP_PORT, CONF_HTTP_ON_HA, CONF_ARCHIVE), advanced=ADVANCED_OPTIONS
)
# The entry's Reconfigure: where cameras connect.
CONNECTION_FORM: Final = ReceiverForm(top=CONNECTION_KEYS)
# The entry's Configure: everything else.
OPTIONS_FORM: Final = ReceiverForm(
    top=(CONF_HTTP_ON_HA, CONF_ARCHIVE),
    advanced=tuple(key for key in ADVANCED_OPTIONS if key in OPTION_KEYS),
)


def split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Flat settings as the entry stores them: (connection settings for data, options)."""
    data = {key: value for key, value in values.items() if key in CONNECTION_KEYS}
    return data, {key: value for key, value in values.items() if key not in CONNECTION_KEYS}


def error_placeholders(values: Mapping[str, Any]) -> dict[str, str]:
    """The values the error messages quote, so a busy port is named."""
    values = {**RECEIVER_DEFAULTS, **values}
    return {
        key: str(values[key])
        for key in (CONF_FTP_PORT, CONF_HTTP_PORT, CONF_PASSIVE_PORTS, CONF_LISTEN_ADDRESS)
    }


def parse_port_range(text: str) -> range | None:
    """Parse "LOW-HIGH" into a range of ports; empty means any free port. ValueError if bad."""
    text = text.strip()
    if not text:
        return None
    low_text, sep, high_text = text.partition("-")
    if not sep:
        raise ValueError(text)
    low, high = int(low_text), int(high_text)
    if not 1024 <= low <= high <= 65535:  # noqa: PLR2004 - unprivileged TCP ports
        raise ValueError(text)
    return range(low, high + 1)


@dataclass(frozen=True, kw_only=True)
class ReceiverSettings:
    """A receiver entry as the hub runs it: connection settings from data, the rest options."""

    listen_address: str
    ftp_port: int
    http_port: int | None  # a dedicated HTTP port; None: Home Assistant's own only
    passive_ports: range | None  # None: any free port
    public_address: str | None  # announced to cameras; None: the connection's own address
    http_on_home_assistant: bool
    max_upload_size: int  # bytes
    memory_budget: int  # bytes
    idle_after: timedelta
    online_window: timedelta
    archive: bool
    archive_days: int
    archive_max_size: int  # bytes

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> "ReceiverSettings":
        """Read a receiver entry; a setting saved before it existed takes its default."""
        return cls.from_stored(entry.data, entry.options)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any], options: Mapping[str, Any]) -> "ReceiverSettings":
        """Read stored data and options (only the connection settings count in data)."""
        values = {key: data.get(key, RECEIVER_DEFAULTS[key]) for key in CONNECTION_KEYS}
        values |= {key: options.get(key, RECEIVER_DEFAULTS[key]) for key in OPTION_KEYS}
        return cls(
            listen_address=values[CONF_LISTEN_ADDRESS],
            ftp_port=int(values[CONF_FTP_PORT]),
            http_port=int(values[CONF_HTTP_PORT]) or None,
            passive_ports=parse_port_range(values[CONF_PASSIVE_PORTS]),
            public_address=values[CONF_PUBLIC_ADDRESS] or None,
            http_on_home_assistant=bool(values[CONF_HTTP_ON_HA]),
            max_upload_size=int(values[CONF_MAX_UPLOAD_MB]) * MIB,
            memory_budget=int(values[CONF_MEMORY_BUDGET_MB]) * MIB,
            idle_after=timedelta(seconds=values[CONF_IDLE_AFTER]),
            online_window=timedelta(seconds=values[CONF_ONLINE_WINDOW]),
            archive=bool(values[CONF_ARCHIVE]),
            archive_days=int(values[CONF_ARCHIVE_DAYS]),
            archive_max_size=int(values[CONF_ARCHIVE_MAX_MB]) * MIB,
        )

    def engine_config(self) -> ReceiverConfig:
        """The receiver engine's settings."""
        return ReceiverConfig(
            host=self.listen_address,
            ftp_port=self.ftp_port,
            http_port=self.http_port,
            passive_ports=self.passive_ports,
            public_address=self.public_address,
            max_upload_size=self.max_upload_size,
            memory_budget=self.memory_budget,
        )
