"""Constants shared by the camupload integration layer."""

from enum import StrEnum
from typing import Final

from .receiver import model as receiver_model

DOMAIN: Final = "camupload"
# Config entries' version. 2: a receiver's connection settings (ports, addresses) moved from
# its options to its data; a major step, so an older camupload refuses such an entry.
ENTRY_VERSION: Final = 2
# The one name users see (manifest.json's "name"): device manufacturer, media source, texts.
NAME: Final = "Camera Upload"
# Device models; the actions' target filter (services.yaml) names MODEL_PROFILE too.
MODEL_RECEIVER_CAMERA: Final = "Receiver camera"
MODEL_PROFILE: Final = "Upload profile"

MIB: Final = 1024 * 1024

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
CONF_MEMORY_BUDGET_MB: Final = "memory_budget_mb"
CONF_IDLE_AFTER: Final = "idle_after"
CONF_ONLINE_WINDOW: Final = "online_window"
CONF_ARCHIVE: Final = "archive"
CONF_ARCHIVE_DAYS: Final = "archive_days"
CONF_ARCHIVE_MAX_MB: Final = "archive_max_mb"

DEFAULT_LISTEN_ADDRESS: Final = "0.0.0.0"  # noqa: S104 - cameras are on the LAN
# In Home Assistant the dedicated HTTP port is off by default (its own server serves uploads).
NO_DEDICATED_HTTP_PORT: Final = 0
# The engine's defaults, in the units the forms use.
DEFAULT_MAX_UPLOAD_MB: Final = receiver_model.DEFAULT_MAX_UPLOAD_SIZE // MIB
DEFAULT_MEMORY_BUDGET_MB: Final = receiver_model.DEFAULT_MEMORY_BUDGET // MIB
DEFAULT_IDLE_AFTER: Final = 30  # seconds without a frame before a camera shows idle
DEFAULT_ONLINE_WINDOW: Final = 300  # seconds a camera stays online after its last frame
DEFAULT_ARCHIVE_DAYS: Final = 7
DEFAULT_ARCHIVE_MAX_MB: Final = 1024

RECEIVER_DEFAULTS: Final[dict[str, object]] = {
    CONF_LISTEN_ADDRESS: DEFAULT_LISTEN_ADDRESS,
    CONF_FTP_PORT: receiver_model.DEFAULT_FTP_PORT,
    CONF_PASSIVE_PORTS: "",
    CONF_PUBLIC_ADDRESS: "",
    CONF_HTTP_ON_HA: True,
    CONF_HTTP_PORT: NO_DEDICATED_HTTP_PORT,
    CONF_MAX_UPLOAD_MB: DEFAULT_MAX_UPLOAD_MB,
    CONF_MEMORY_BUDGET_MB: DEFAULT_MEMORY_BUDGET_MB,
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

# Sent when a receiver (re)starts with new camera feeds: profiles buffering from them resubscribe.
SIGNAL_RECEIVER_STARTED: Final = "camupload_receiver_started"

# Events, triggers and repairs.
EVENT_IMAGE_RECEIVED: Final = "camupload_image_received"
TRIGGER_IMAGE_RECEIVED: Final = "image_received"
# Failed logins for one camera from one address before a repair issue is raised.
AUTH_FAILURES_FOR_ISSUE: Final = 5

# Upload server options.
CONF_PROTOCOL: Final = "protocol"
CONF_PASSIVE: Final = "passive"
CONF_VERIFY_TLS: Final = "verify_tls"
CONF_HTTP_PATH: Final = "http_path"

# Upload profile subentries (the MOBOTIX "FTP Profiles").
SUBENTRY_PROFILE: Final = "profile"
CONF_PROFILE_NAME: Final = "name"
CONF_PROFILE_NUMBER: Final = "number"
CONF_CAMERA: Final = "camera"
CONF_DIRECTORY: Final = "directory"
CONF_FILE_NAME: Final = "file_name"
CONF_FILE_TYPE: Final = "file_type"
CONF_IMAGE_WIDTH: Final = "image_width"
CONF_IMAGE_HEIGHT: Final = "image_height"
CONF_IMAGE_QUALITY: Final = "image_quality"
CONF_OVERLAY: Final = "overlay"
CONF_FRAME_RATE: Final = "frame_rate"
CONF_SECONDS_BEFORE: Final = "seconds_before"
CONF_SECONDS_AFTER: Final = "seconds_after"
CONF_TEMPORARY_NAME: Final = "temporary_name"
CONF_DELETE_BEFORE_RENAME: Final = "delete_before_rename"
CONF_EVENT_DIRECTORY: Final = "event_directory"
CONF_OVERRIDE_HOST: Final = "override_host"
CONF_OVERRIDE_PORT: Final = "override_port"
CONF_OVERRIDE_USERNAME: Final = "override_username"
CONF_OVERRIDE_PASSWORD: Final = "override_password"  # noqa: S105 - a field name
CONF_OVERRIDE_MODE: Final = "override_mode"
CONF_SCHEDULE: Final = "schedule"
CONF_INTERVAL: Final = "interval"
CONF_STREAMING: Final = "streaming"


class FileType(StrEnum):
    """What a profile uploads."""

    IMAGE = "image"
    CLIP_JPEG = "clip_jpeg"
    CLIP_MJPEG = "clip_mjpeg"


class TransferMode(StrEnum):
    """A profile's FTP mode: the server's, or forced passive or active."""

    SERVER = "server"
    PASSIVE = "passive"
    ACTIVE = "active"


class Schedule(StrEnum):
    """When a profile uploads by itself while its switch is on."""

    OFF = "off"
    INTERVAL = "interval"
    FASTEST = "fastest"


DEFAULT_INTERVAL: Final = 60  # seconds between scheduled uploads
MIN_INTERVAL: Final = 1
MAX_INTERVAL: Final = 86400
MAX_FRAME_RATE: Final = 10.0
MAX_SECONDS_AROUND_EVENT: Final = 60.0  # time before or after an event, bounds the ring buffer
# A profile failing this long (seconds) raises a repair issue; it clears when an upload succeeds.
PROFILE_FAILURE_ISSUE_AFTER: Final = 600.0

# Actions.
SERVICE_UPLOAD_PROFILE: Final = "upload_profile"
SERVICE_TEST_PROFILE: Final = "test_profile"
ATTR_PROFILE: Final = "profile"
ATTR_EVENT: Final = "event"
ATTR_CAMERA: Final = "camera"
ATTR_VARIABLES: Final = "variables"

# Profile sensors.
# The Last error sensor's state after a success (or before any failure), translated in strings.
NO_ERROR: Final = "no_error"
