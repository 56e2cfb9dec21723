"""The receiver entry's options: form schema, validation and the engine settings they make."""

import errno
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, Final

import voluptuous as vol
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

INTEGER_OPTIONS = (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB,
    CONF_IDLE_AFTER,
    CONF_ONLINE_WINDOW,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
)


SECTION_ADVANCED: Final = "advanced"
# Options few receivers change: the form keeps them in its collapsed "Advanced" section.
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


def receiver_schema(current: Mapping[str, Any], *, expand_advanced: bool = False) -> vol.Schema:
    """Build the receiver form, pre-filled with the current (or default) values.

    The stored options are flat; the form nests the advanced ones in a section, which
    ``normalize`` flattens again on submit.
    """
    values = {**RECEIVER_DEFAULTS, **current}
    text = selector.TextSelector()
    switch = selector.BooleanSelector()
    advanced: dict[vol.Marker, Any] = {
        vol.Required(CONF_LISTEN_ADDRESS, default=values[CONF_LISTEN_ADDRESS]): text,
        vol.Optional(
            CONF_PUBLIC_ADDRESS, description={"suggested_value": values[CONF_PUBLIC_ADDRESS]}
        ): text,
        vol.Optional(
            CONF_PASSIVE_PORTS, description={"suggested_value": values[CONF_PASSIVE_PORTS]}
        ): text,
        vol.Required(CONF_HTTP_PORT, default=values[CONF_HTTP_PORT]): _number(0, 65535),
        vol.Required(CONF_MAX_UPLOAD_MB, default=values[CONF_MAX_UPLOAD_MB]): _number(1, 256, "MB"),
        vol.Required(CONF_MEMORY_BUDGET_MB, default=values[CONF_MEMORY_BUDGET_MB]): _number(
            MIN_MEMORY_BUDGET_MB, MAX_MEMORY_BUDGET_MB, "MB"
        ),
        vol.Required(CONF_IDLE_AFTER, default=values[CONF_IDLE_AFTER]): _number(1, 3600, "s"),
        vol.Required(CONF_ONLINE_WINDOW, default=values[CONF_ONLINE_WINDOW]): _number(
            10, 86400, "s"
        ),
        vol.Required(CONF_ARCHIVE_DAYS, default=values[CONF_ARCHIVE_DAYS]): _number(1, 3650, "d"),
        vol.Required(CONF_ARCHIVE_MAX_MB, default=values[CONF_ARCHIVE_MAX_MB]): _number(
            10, 1_000_000, "MB"
        ),
    }
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_FTP_PORT, default=values[CONF_FTP_PORT]): _number(1, 65535),
        vol.Required(CONF_HTTP_ON_HA, default=values[CONF_HTTP_ON_HA]): switch,
        vol.Required(CONF_ARCHIVE, default=values[CONF_ARCHIVE]): switch,
        vol.Required(SECTION_ADVANCED): section(
            vol.Schema(advanced), {"collapsed": not expand_advanced}
        ),
    }
    return vol.Schema(fields)


def form_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Errors by form field: the frontend shows a section's error above the section only.

    Each error code of an advanced field names its field, so one message per section suffices.
    """
    shown: dict[str, str] = {}
    for key, error in errors.items():
        shown.setdefault(SECTION_ADVANCED if key in ADVANCED_OPTIONS else key, error)
    return shown


def error_placeholders(options: Mapping[str, Any]) -> dict[str, str]:
    """The values the error messages quote, so a busy port is named."""
    values = {**RECEIVER_DEFAULTS, **options}
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


def normalize(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a submitted form into stored options: flat, integers as integers, text trimmed."""
    # The advanced section arrives as a dict of its own; stored options stay flat.
    flat = {key: value for key, value in user_input.items() if key != SECTION_ADVANCED}
    flat.update(user_input.get(SECTION_ADVANCED) or {})
    options = {**RECEIVER_DEFAULTS, **flat}
    for key in INTEGER_OPTIONS:
        options[key] = int(options[key])
    for key in (CONF_PASSIVE_PORTS, CONF_PUBLIC_ADDRESS, CONF_LISTEN_ADDRESS):
        options[key] = str(options.get(key) or "").strip()
    return options


class _BindError(Enum):
    """Why a port cannot be bound."""

    IN_USE = auto()
    NO_SUCH_ADDRESS = auto()


def _bind_error(host: str, port: int) -> _BindError | None:
    """Why a TCP port cannot be bound now (blocking: use an executor)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as err:
        if err.errno in (errno.EADDRINUSE, errno.EACCES):
            return _BindError.IN_USE
        return _BindError.NO_SUCH_ADDRESS
    return None


@dataclass(frozen=True, kw_only=True)
class HeldPorts:
    """The ports the running receiver listens on, and the address it listens on."""

    host: str
    ports: frozenset[int]

    def freed_for(self, host: str) -> frozenset[int]:
        """The held ports to count as free for a receiver moving to host.

        Where a test bind on host would meet the receiver's own socket (the same address, or
        a wildcard on either side) it cannot tell whether anyone else holds the port, and the
        reload releases ours first; on another address each port is checked like any other.
        """
        new, old = ipaddress.ip_address(host), ipaddress.ip_address(self.host)
        return self.ports if new == old or new.is_unspecified or old.is_unspecified else frozenset()


# Form error per port option when another program holds it; each names the port it quotes.
_PORT_IN_USE: Final = {CONF_FTP_PORT: "ftp_port_in_use", CONF_HTTP_PORT: "http_port_in_use"}


def validate(options: Mapping[str, Any], *, held: HeldPorts | None) -> dict[str, str]:
    """Check options; returns form errors by option. Blocking: run it in an executor.

    `held` are the running receiver's own ports (None when none runs): saving releases them.
    """
    host = options[CONF_LISTEN_ADDRESS]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return {CONF_LISTEN_ADDRESS: "invalid_listen_address"}
    errors: dict[str, str] = {}
    if options[CONF_PUBLIC_ADDRESS]:
        # PASV replies carry an IPv4 address.
        try:
            ipaddress.IPv4Address(options[CONF_PUBLIC_ADDRESS])
        except ValueError:
            errors[CONF_PUBLIC_ADDRESS] = "invalid_public_address"
    # Once, before any port: a port test on a foreign address would blame the port.
    if _bind_error(host, 0) is _BindError.NO_SUCH_ADDRESS:
        return errors | {CONF_LISTEN_ADDRESS: "address_not_available"}
    return errors | _port_errors(options, held.freed_for(host) if held else frozenset())


def _port_errors(options: Mapping[str, Any], ours: frozenset[int]) -> dict[str, str]:
    """Ports another program holds, and port choices that clash (blocking)."""
    errors: dict[str, str] = {}
    host = options[CONF_LISTEN_ADDRESS]
    for key, in_use in _PORT_IN_USE.items():
        port = options[key]
        if port and port not in ours and _bind_error(host, port) is not None:
            errors[key] = in_use
    if options[CONF_HTTP_PORT] and options[CONF_HTTP_PORT] == options[CONF_FTP_PORT]:
        errors[CONF_HTTP_PORT] = "same_port"
    try:
        passive = parse_port_range(options[CONF_PASSIVE_PORTS])
    except ValueError:
        errors[CONF_PASSIVE_PORTS] = "invalid_port_range"
    else:
        if passive is not None and not _any_free(host, passive, ours):
            errors[CONF_PASSIVE_PORTS] = "passive_ports_in_use"
    return errors


def _any_free(host: str, ports: range, ours: frozenset[int]) -> bool:
    """Whether a passive data connection could get a port of the range (stops at the first)."""
    return any(port not in ours and _bind_error(host, port) is None for port in ports)


def engine_config(options: Mapping[str, Any]) -> ReceiverConfig:
    """The receiver engine's settings for stored options.

    Options saved before an option existed get its default.
    """
    options = {**RECEIVER_DEFAULTS, **options}
    return ReceiverConfig(
        host=options[CONF_LISTEN_ADDRESS],
        ftp_port=options[CONF_FTP_PORT],
        http_port=options[CONF_HTTP_PORT] or None,
        passive_ports=parse_port_range(options[CONF_PASSIVE_PORTS]),
        public_address=options[CONF_PUBLIC_ADDRESS] or None,
        max_upload_size=options[CONF_MAX_UPLOAD_MB] * MIB,
        memory_budget=options[CONF_MEMORY_BUDGET_MB] * MIB,
    )
