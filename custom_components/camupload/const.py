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
SUBENTRY_CAMERA: Final = "camera"

# Receiver options.
CONF_LISTEN_ADDRESS: Final = "listen_address"
CONF_FTP_PORT: Final = "ftp_port"
CONF_PASSIVE_PORTS: Final = "passive_ports"
CONF_PUBLIC_ADDRESS: Final = "public_address"
CONF_HTTP_ON_HA: Final = "http_on_home_assistant"
CONF_HTTP_PORT: Final = "http_port"
CONF_MAX_UPLOAD_MB: Final = "max_upload_mb"
CONF_IDLE_AFTER: Final = "idle_after"
CONF_ONLINE_WINDOW: Final = "online_window"
CONF_ARCHIVE: Final = "archive"
CONF_ARCHIVE_DAYS: Final = "archive_days"
CONF_ARCHIVE_MAX_MB: Final = "archive_max_mb"

DEFAULT_LISTEN_ADDRESS: Final = "0.0.0.0"  # noqa: S104 - cameras are on the LAN
DEFAULT_FTP_PORT: Final = 2121
DEFAULT_HTTP_PORT: Final = 0  # 0: no dedicated port, Home Assistant's own server only
DEFAULT_MAX_UPLOAD_MB: Final = 16
DEFAULT_IDLE_AFTER: Final = 30  # seconds without a frame before a camera shows idle
DEFAULT_ONLINE_WINDOW: Final = 300  # seconds a camera stays online after its last frame
DEFAULT_ARCHIVE_DAYS: Final = 7
DEFAULT_ARCHIVE_MAX_MB: Final = 1024

RECEIVER_DEFAULTS: Final[dict[str, object]] = {
    CONF_LISTEN_ADDRESS: DEFAULT_LISTEN_ADDRESS,
    CONF_FTP_PORT: DEFAULT_FTP_PORT,
    CONF_PASSIVE_PORTS: "",
    CONF_PUBLIC_ADDRESS: "",
    CONF_HTTP_ON_HA: True,
    CONF_HTTP_PORT: DEFAULT_HTTP_PORT,
    CONF_MAX_UPLOAD_MB: DEFAULT_MAX_UPLOAD_MB,
    CONF_IDLE_AFTER: DEFAULT_IDLE_AFTER,
    CONF_ONLINE_WINDOW: DEFAULT_ONLINE_WINDOW,
    CONF_ARCHIVE: False,
    CONF_ARCHIVE_DAYS: DEFAULT_ARCHIVE_DAYS,
    CONF_ARCHIVE_MAX_MB: DEFAULT_ARCHIVE_MAX_MB,
}

# Camera subentries.
CONF_CAMERA_NAME: Final = "name"
CONF_REGENERATE_PASSWORD: Final = "regenerate_password"  # noqa: S105 - a field name
PASSWORD_BYTES: Final = 12  # token_urlsafe(12) gives 16 characters

# Events, triggers and repairs.
EVENT_IMAGE_RECEIVED: Final = "camupload_image_received"
TRIGGER_IMAGE_RECEIVED: Final = "image_received"
# Failed logins for one camera from one address before a repair issue is raised.
AUTH_FAILURES_FOR_ISSUE: Final = 5

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
