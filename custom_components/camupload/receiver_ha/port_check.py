"""Checks of the receiver's connection settings before they are saved: addresses, free ports.

Blocking (test binds): the flows run them in an executor.
"""

import errno
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, Final

from custom_components.camupload.const import (
    CONF_FTP_PORT,
    CONF_HTTP_PORT,
    CONF_LISTEN_ADDRESS,
    CONF_PASSIVE_PORTS,
    CONF_PUBLIC_ADDRESS,
)

from .settings import parse_port_range


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


# Form error per port setting when another program holds it; each names the port it quotes.
_PORT_IN_USE: Final = {CONF_FTP_PORT: "ftp_port_in_use", CONF_HTTP_PORT: "http_port_in_use"}


def validate(connection: Mapping[str, Any], *, held: HeldPorts | None) -> dict[str, str]:
    """Check connection settings; returns form errors by key. Blocking: run it in an executor.

    `held` are the running receiver's own ports (None when none runs): saving releases them.
    """
    host = connection[CONF_LISTEN_ADDRESS]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return {CONF_LISTEN_ADDRESS: "invalid_listen_address"}
    errors: dict[str, str] = {}
    if connection[CONF_PUBLIC_ADDRESS]:
        # PASV replies carry an IPv4 address.
        try:
            ipaddress.IPv4Address(connection[CONF_PUBLIC_ADDRESS])
        except ValueError:
            errors[CONF_PUBLIC_ADDRESS] = "invalid_public_address"
    # Once, before any port: a port test on a foreign address would blame the port.
    if _bind_error(host, 0) is _BindError.NO_SUCH_ADDRESS:
        return errors | {CONF_LISTEN_ADDRESS: "address_not_available"}
    return errors | _port_errors(connection, held.freed_for(host) if held else frozenset())


def _port_errors(connection: Mapping[str, Any], ours: frozenset[int]) -> dict[str, str]:
    """Ports another program holds, and port choices that clash (blocking)."""
    errors: dict[str, str] = {}
    host = connection[CONF_LISTEN_ADDRESS]
    for key, in_use in _PORT_IN_USE.items():
        port = connection[key]
        if port and port not in ours and _bind_error(host, port) is not None:
            errors[key] = in_use
    if connection[CONF_HTTP_PORT] and connection[CONF_HTTP_PORT] == connection[CONF_FTP_PORT]:
        errors[CONF_HTTP_PORT] = "same_port"
    try:
        passive = parse_port_range(connection[CONF_PASSIVE_PORTS])
    except ValueError:
        errors[CONF_PASSIVE_PORTS] = "invalid_port_range"
    else:
        if passive is not None and not _any_free(host, passive, ours):
            errors[CONF_PASSIVE_PORTS] = "passive_ports_in_use"
    return errors


def _any_free(host: str, ports: range, ours: frozenset[int]) -> bool:
    """Whether a passive data connection could get a port of the range (stops at the first)."""
    return any(port not in ours and _bind_error(host, port) is None for port in ports)
