"""Constants shared by the camupload integration layer."""

from enum import StrEnum
from typing import Final

DOMAIN: Final = "camupload"

CONF_ENTRY_KIND: Final = "entry_kind"


class EntryKind(StrEnum):
    """The two kinds of config entry camupload creates."""

    RECEIVER = "receiver"
    SERVER = "server"


RECEIVER_UNIQUE_ID: Final = "receiver"

# Receiver options.
CONF_FTP_PORT: Final = "ftp_port"
DEFAULT_FTP_PORT: Final = 2121

# Upload server options.
CONF_PROTOCOL: Final = "protocol"
CONF_PASSIVE: Final = "passive"


class Protocol(StrEnum):
    """Protocols an upload server speaks."""

    FTP = "ftp"
    FTPS = "ftps"
    HTTP = "http"


DEFAULT_PORTS: Final[dict[Protocol, int]] = {
    Protocol.FTP: 21,
    Protocol.FTPS: 21,
    Protocol.HTTP: 80,
}
