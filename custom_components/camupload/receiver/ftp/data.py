"""FTP data connection rules: who may connect, and where active mode may connect to."""

import ipaddress
import re
from dataclasses import dataclass

# Active mode never connects to a privileged port (the classic FTP bounce attack).
MIN_ACTIVE_PORT = 1024
_PORT_ARGUMENT = re.compile(r"^\s*(\d{1,3}(?:,\d{1,3}){5})\s*$")


def same_host(first: str, second: str) -> bool:
    """Compare two addresses, treating IPv4-mapped IPv6 like IPv4."""
    if first == second:
        # The usual case, checked on every data connection: no parsing needed.
        return True
    try:
        one = ipaddress.ip_address(first.split("%", 1)[0])
        two = ipaddress.ip_address(second.split("%", 1)[0])
    except ValueError:
        return first == second
    if isinstance(one, ipaddress.IPv6Address) and one.ipv4_mapped is not None:
        one = one.ipv4_mapped
    if isinstance(two, ipaddress.IPv6Address) and two.ipv4_mapped is not None:
        two = two.ipv4_mapped
    return one == two


@dataclass(frozen=True, slots=True)
class ActiveTarget:
    """Where a PORT or EPRT command asked the server to connect."""

    host: str
    port: int


class ActiveModeError(ValueError):
    """A PORT or EPRT argument is malformed or not allowed; the message is the reply."""


def parse_port(argument: str) -> ActiveTarget:
    """Parse a PORT argument (h1,h2,h3,h4,p1,p2)."""
    match = _PORT_ARGUMENT.match(argument)
    if match is None:
        msg = "PORT argument must be h1,h2,h3,h4,p1,p2"
        raise ActiveModeError(msg)
    numbers = [int(part) for part in match.group(1).split(",")]
    if any(number > 255 for number in numbers):  # noqa: PLR2004 - one byte each
        msg = "PORT numbers must be 0-255"
        raise ActiveModeError(msg)
    host = ".".join(str(number) for number in numbers[:4])
    return ActiveTarget(host, numbers[4] * 256 + numbers[5])


def parse_eprt(argument: str) -> ActiveTarget:
    """Parse an EPRT argument (|protocol|address|port|)."""
    delimiter = argument[:1]
    parts = argument.split(delimiter) if delimiter else []
    if len(parts) != 5 or parts[0] or parts[4] or parts[1] not in ("1", "2"):  # noqa: PLR2004
        msg = "EPRT argument must be |1|address|port| or |2|address|port|"
        raise ActiveModeError(msg)
    try:
        ipaddress.ip_address(parts[2])
        port = int(parts[3])
    except ValueError as err:
        msg = "EPRT address or port is invalid"
        raise ActiveModeError(msg) from err
    return ActiveTarget(parts[2], port)


def check_active_target(target: ActiveTarget, client_host: str) -> None:
    """Allow only the client's own address and an unprivileged port."""
    if not same_host(target.host, client_host):
        msg = "active mode connects only back to your own address"
        raise ActiveModeError(msg)
    if not MIN_ACTIVE_PORT <= target.port <= 65535:  # noqa: PLR2004 - highest TCP port
        msg = f"active mode port must be {MIN_ACTIVE_PORT}-65535"
        raise ActiveModeError(msg)
