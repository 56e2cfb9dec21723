"""The receiver entry's options: form schema, validation and the engine settings they make."""

import errno
import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.helpers import selector

from .const import (
    CONF_ARCHIVE,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
    CONF_FTP_PORT,
    CONF_HTTP_ON_HA,
    CONF_HTTP_PORT,
    CONF_IDLE_AFTER,
    CONF_LISTEN_ADDRESS,
    CONF_MAX_UPLOAD_MB,
    CONF_ONLINE_WINDOW,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
    MIB,
    RECEIVER_DEFAULTS,
)
from .receiver import ReceiverConfig

INTEGER_OPTIONS = (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_MAX_UPLOAD_MB,
    CONF_IDLE_AFTER,
    CONF_ONLINE_WINDOW,
    CONF_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB,
)


def _number(minimum: int, maximum: int, unit: str | None = None) -> selector.NumberSelector:
    config = selector.NumberSelectorConfig(
        min=minimum, max=maximum, step=1, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)


def receiver_schema(current: Mapping[str, Any]) -> vol.Schema:
    """Build the receiver form, pre-filled with the current (or default) values."""
    values = {**RECEIVER_DEFAULTS, **current}
    text = selector.TextSelector()
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_FTP_PORT, default=values[CONF_FTP_PORT]): _number(1, 65535),
        vol.Optional(
            CONF_PASSIVE_PORTS, description={"suggested_value": values[CONF_PASSIVE_PORTS]}
        ): text,
        vol.Optional(
            CONF_PUBLIC_ADDRESS, description={"suggested_value": values[CONF_PUBLIC_ADDRESS]}
        ): text,
        vol.Required(CONF_HTTP_ON_HA, default=values[CONF_HTTP_ON_HA]): (
            selector.BooleanSelector()
        ),
        vol.Required(CONF_HTTP_PORT, default=values[CONF_HTTP_PORT]): _number(0, 65535),
        vol.Required(CONF_MAX_UPLOAD_MB, default=values[CONF_MAX_UPLOAD_MB]): _number(1, 256, "MB"),
        vol.Required(CONF_IDLE_AFTER, default=values[CONF_IDLE_AFTER]): _number(1, 3600, "s"),
        vol.Required(CONF_ONLINE_WINDOW, default=values[CONF_ONLINE_WINDOW]): _number(
            10, 86400, "s"
        ),
        vol.Required(CONF_ARCHIVE, default=values[CONF_ARCHIVE]): selector.BooleanSelector(),
        vol.Required(CONF_ARCHIVE_DAYS, default=values[CONF_ARCHIVE_DAYS]): _number(1, 3650, "d"),
        vol.Required(CONF_ARCHIVE_MAX_MB, default=values[CONF_ARCHIVE_MAX_MB]): _number(
            10, 1_000_000, "MB"
        ),
        vol.Required(CONF_LISTEN_ADDRESS, default=values[CONF_LISTEN_ADDRESS]): text,
    }
    return vol.Schema(fields)


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
    """Turn form values (floats from number selectors, padded text) into stored options."""
    options = {**RECEIVER_DEFAULTS, **user_input}
    for key in INTEGER_OPTIONS:
        options[key] = int(options[key])
    for key in (CONF_PASSIVE_PORTS, CONF_PUBLIC_ADDRESS, CONF_LISTEN_ADDRESS):
        options[key] = str(options.get(key) or "").strip()
    return options


def _bind_error(host: str, port: int) -> str | None:
    """Why a TCP port cannot be bound now, as a form error (blocking: use an executor)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as err:
        if err.errno in (errno.EADDRINUSE, errno.EACCES):
            return "port_in_use"
        return "address_not_available"
    return None


def validate(options: Mapping[str, Any], *, ports_in_use_by_us: set[int]) -> dict[str, str]:
    """Check options; returns form errors by field. Blocking: run it in an executor.

    Ports the running receiver holds itself count as free: an options change releases them.
    """
    errors: dict[str, str] = {}
    try:
        ipaddress.ip_address(options[CONF_LISTEN_ADDRESS])
    except ValueError:
        errors[CONF_LISTEN_ADDRESS] = "invalid_address"
        return errors
    if options[CONF_PUBLIC_ADDRESS]:
        # PASV replies carry an IPv4 address.
        try:
            ipaddress.IPv4Address(options[CONF_PUBLIC_ADDRESS])
        except ValueError:
            errors[CONF_PUBLIC_ADDRESS] = "invalid_address"
    try:
        parse_port_range(options[CONF_PASSIVE_PORTS])
    except ValueError:
        errors[CONF_PASSIVE_PORTS] = "invalid_port_range"
    host = options[CONF_LISTEN_ADDRESS]
    for key in (CONF_FTP_PORT, CONF_HTTP_PORT):
        port = options[key]
        if not port or port in ports_in_use_by_us:
            continue
        match _bind_error(host, port):
            case "address_not_available":
                errors[CONF_LISTEN_ADDRESS] = "address_not_available"
            case "port_in_use":
                errors[key] = "port_in_use"
    if options[CONF_HTTP_PORT] and options[CONF_HTTP_PORT] == options[CONF_FTP_PORT]:
        errors[CONF_HTTP_PORT] = "same_port"
    return errors


def engine_config(options: Mapping[str, Any]) -> ReceiverConfig:
    """The receiver engine's settings for stored options."""
    return ReceiverConfig(
        host=options[CONF_LISTEN_ADDRESS],
        ftp_port=options[CONF_FTP_PORT],
        http_port=options[CONF_HTTP_PORT] or None,
        passive_ports=parse_port_range(options[CONF_PASSIVE_PORTS]),
        public_address=options[CONF_PUBLIC_ADDRESS] or None,
        max_upload_size=options[CONF_MAX_UPLOAD_MB] * MIB,
    )
