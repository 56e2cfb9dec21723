"""Values the receiver works with: accounts, frames, files, statistics and settings."""

import re
from dataclasses import dataclass
from datetime import datetime

from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.shared.frame import Source as Source  # noqa: PLC0414 - re-exported: the engine's sources

DEFAULT_HOST = "127.0.0.1"
DEFAULT_FTP_PORT = 2121
DEFAULT_HTTP_PORT = 8089
# Cameras upload stills; 16 MiB is above any camera JPEG and bounds memory per transfer.
DEFAULT_MAX_UPLOAD_SIZE = 16 * 1024 * 1024
# Per account in-memory FTP file system (temporary names, clips waiting for the sink).
DEFAULT_MAX_ACCOUNT_STORAGE = 64 * 1024 * 1024
# Names (files, stubs of published files, directories) one account's FTP file system holds:
# each of an account's 16 sessions in a folder 16 levels deep; cameras look back only at what
# they just wrote (SIZE, LIST), and older stubs and empty folders are evicted.
DEFAULT_MAX_ACCOUNT_ENTRIES = 256
DEFAULT_LOGIN_DELAY = 1.0
DEFAULT_MAX_LOGIN_FAILURES = 3
# An address that fails this many logins inside the window is refused until the window ends.
DEFAULT_MAX_FAILURES_PER_ADDRESS = 20
DEFAULT_FAILURE_WINDOW = 300.0
# Connections per address and in all, per listener (FTP control, dedicated HTTP); per FTP account.
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 32
DEFAULT_MAX_CONNECTIONS_PER_ACCOUNT = 16
DEFAULT_MAX_CONNECTIONS = 256
# A control connection with no command for this long is closed.
DEFAULT_IDLE_TIMEOUT = 300.0
# An FTP control connection that has not logged in this long after the greeting is closed.
DEFAULT_LOGIN_TIMEOUT = 60.0
# A transfer (FTP data or HTTP body) that moves no byte for this long is closed.
DEFAULT_STALL_TIMEOUT = 60.0
# How long a passive listener waits for the client's data connection, and a data connection
# for the transfer command that uses it.
DEFAULT_DATA_CONNECT_TIMEOUT = 30.0
# How long PASV/EPSV waits in line for a port of a full passive range before 425 (clients
# wait far longer for a reply: curl 60 s, ftplib and busybox without limit).
DEFAULT_PASSIVE_PORT_WAIT = 10.0
DEFAULT_READ_CHUNK = 256 * 1024
# Every buffer held for clients (request heads, bodies, FTP data and files) draws from this.
DEFAULT_MEMORY_BUDGET = 128 * 1024 * 1024
# HTTP on the dedicated port: a request head must arrive whole within this time...
DEFAULT_HEADER_TIMEOUT = 10.0
# ...hold at most this many header fields and bytes (request line and blank line included)...
DEFAULT_MAX_HEADER_FIELDS = 100
DEFAULT_MAX_REQUEST_HEAD = 64 * 1024
# ...and a kept-alive connection with no new request for this long is closed.
DEFAULT_KEEPALIVE_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Account:
    """One camera's upload login."""

    username: str
    password: str
    camera_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedFrame(Frame):
    """A frame a camera uploaded (a complete JPEG), with the login it came through."""

    username: str
    camera_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """A non-JPEG upload (clip, log, text), kept apart from frames."""

    data: bytes
    username: str
    camera_id: str
    received_at: datetime
    source: Source
    file_name: str


@dataclass(frozen=True, slots=True)
class AccountStats:
    """Live counters for one account."""

    frames: int = 0
    files: int = 0
    bytes: int = 0
    last_frame_at: datetime | None = None
    active_connections: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverConfig:
    """Settings of a receiver; a port of None turns that protocol off, 0 asks the OS."""

    host: str = DEFAULT_HOST
    ftp_port: int | None = DEFAULT_FTP_PORT
    http_port: int | None = DEFAULT_HTTP_PORT
    passive_ports: range | None = None
    public_address: str | None = None
    max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE
    max_account_storage: int = DEFAULT_MAX_ACCOUNT_STORAGE
    max_account_entries: int = DEFAULT_MAX_ACCOUNT_ENTRIES
    login_delay: float = DEFAULT_LOGIN_DELAY
    max_login_failures: int = DEFAULT_MAX_LOGIN_FAILURES
    max_failures_per_address: int = DEFAULT_MAX_FAILURES_PER_ADDRESS
    failure_window: float = DEFAULT_FAILURE_WINDOW
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_connections_per_address: int = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
    max_connections_per_account: int = DEFAULT_MAX_CONNECTIONS_PER_ACCOUNT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    login_timeout: float = DEFAULT_LOGIN_TIMEOUT
    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    data_connect_timeout: float = DEFAULT_DATA_CONNECT_TIMEOUT
    passive_port_wait: float = DEFAULT_PASSIVE_PORT_WAIT
    read_chunk: int = DEFAULT_READ_CHUNK
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    max_header_fields: int = DEFAULT_MAX_HEADER_FIELDS
    max_request_head: int = DEFAULT_MAX_REQUEST_HEAD
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT


# Longest safe name (a received file's, a camera's folder); well under every file system's 255.
SAFE_NAME_MAX_LENGTH = 100
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, *, default: str = "file") -> str:
    """Turn any text into one safe path component (no separators, no leading dot).

    Keeps the last part after any slash or backslash; keeps letters, digits, dot, dash and
    underscore, collapsing the rest (control characters too) to "_"; trims leading and
    trailing dots and underscores (so "." and ".." become default) and cuts the name to
    SAFE_NAME_MAX_LENGTH, keeping a short extension. The result is stable: safe_name of it
    is itself.
    """
    base = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME_CHARS.sub("_", base).strip("._")
    if len(cleaned) > SAFE_NAME_MAX_LENGTH:
        stem, dot, suffix = cleaned.rpartition(".")
        if dot and 0 < len(suffix) < SAFE_NAME_MAX_LENGTH // 2:
            cleaned = f"{stem[: SAFE_NAME_MAX_LENGTH - len(suffix) - 1]}.{suffix}"
        else:
            # A cut may end on a dot or underscore: trimmed now, not by the next call.
            cleaned = cleaned[:SAFE_NAME_MAX_LENGTH].rstrip("._")
    return cleaned or default


def numbered_name(name: str, number: int) -> str:
    """Return name for 0, else name-N (before the extension), at most SAFE_NAME_MAX_LENGTH."""
    if number == 0:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    tail = f"-{number}{dot}{suffix}"
    return f"{stem[: SAFE_NAME_MAX_LENGTH - len(tail)]}{tail}"


def escape_unprintable(text: str) -> str:
    """Text with its control characters escaped, so that it stays on one line of a log."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
