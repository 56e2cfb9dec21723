"""Values of the uploader engine: where to send, how to name, what was sent."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

DEFAULT_DIRECTORY = "$(TEXT.FTPDIR)"
DEFAULT_FILE_NAME = "$(TEXT.FTPFILE).jpg"


class Protocol(StrEnum):
    """How files travel to the destination (an upload server entry's protocol)."""

    FTP = "ftp"
    FTPS = "ftps"  # explicit TLS: AUTH TLS on the ordinary FTP port
    HTTP = "http"
    HTTPS = "https"

    @property
    def is_ftp(self) -> bool:
        """Whether this protocol speaks FTP."""
        return self in (Protocol.FTP, Protocol.FTPS)

    @property
    def default_port(self) -> int:
        """The port used when the destination names none."""
        return DEFAULT_PORTS[self]


# Each protocol's well-known port; FTPS is explicit TLS, so it shares FTP's.
DEFAULT_PORTS: Final[Mapping[Protocol, int]] = MappingProxyType(
    {Protocol.FTP: 21, Protocol.FTPS: 21, Protocol.HTTP: 80, Protocol.HTTPS: 443}
)


class HttpMethod(StrEnum):
    """The HTTP method carrying the JPEG body."""

    POST = "POST"
    PUT = "PUT"


@dataclass(frozen=True, kw_only=True)
class Destination:
    """A server and the account to use on it."""

    protocol: Protocol = Protocol.FTP
    host: str
    port: int | None = None
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)
    passive: bool = True
    verify_tls: bool = True
    http_path: str = ""  # empty: Sensr's /photo/<username>
    http_method: HttpMethod = HttpMethod.POST

    @property
    def effective_port(self) -> int:
        """The port to connect to."""
        return self.port or self.protocol.default_port

    @property
    def effective_http_path(self) -> str:
        """The HTTP path, Sensr-style `/photo/<username>` unless set."""
        path = self.http_path or f"/photo/{self.username}"
        return path if path.startswith("/") else f"/{path}"

    @property
    def url(self) -> str:
        """The destination as a URL without the password, for logs and previews."""
        user = f"{self.username}@" if self.username else ""
        base = f"{self.protocol}://{user}{self.host}:{self.effective_port}"
        return base + (self.effective_http_path if not self.protocol.is_ftp else "/")


@dataclass(frozen=True, kw_only=True)
class UploadProfile:
    """A MOBOTIX FTP profile: naming options and optional overrides of the destination.

    An override left as None (or "" for text) means "use the destination's value".
    """

    name: str = "profile"
    number: int = 1
    directory: str = DEFAULT_DIRECTORY
    file_name: str = DEFAULT_FILE_NAME
    temporary_name: bool = False
    delete_before_rename: bool = False
    event_directory: bool = False
    protocol: Protocol | None = None
    host: str = ""
    port: int | None = None
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)
    passive: bool | None = None
    verify_tls: bool | None = None

    def resolve(self, destination: Destination) -> Destination:
        """Return the destination with this profile's overrides applied."""
        return dataclasses.replace(
            destination,
            protocol=self.protocol or destination.protocol,
            host=self.host or destination.host,
            port=self.port or destination.port,
            username=self.username or destination.username,
            password=self.password or destination.password,
            passive=destination.passive if self.passive is None else self.passive,
            verify_tls=destination.verify_tls if self.verify_tls is None else self.verify_tls,
        )


@dataclass(frozen=True, kw_only=True)
class RemoteFile:
    """Where one file goes: the rendered destination, as stored in the spool."""

    directory: tuple[str, ...] = ()  # empty: the server's root
    name: str
    temporary_name: str | None = None  # store under this name, then rename
    delete_before_rename: bool = False

    @property
    def path(self) -> str:
        """The relative path, e.g. `cam/2025/01/02/03/m250102030405006.jpg`."""
        return "/".join((*self.directory, self.name))


@dataclass(frozen=True, kw_only=True)
class OutgoingFile:
    """A file ready to send."""

    remote: RemoteFile
    data: bytes = dataclasses.field(repr=False)
    content_type: str = "image/jpeg"


@dataclass(frozen=True, kw_only=True)
class UploadResult:
    """What one upload wrote where."""

    path: str
    size: int
    seconds: float
    url: str


@dataclass(frozen=True, kw_only=True)
class ImageProfile:
    """How to prepare a still image: size (aspect kept), JPEG quality, text overlay."""

    width: int | None = None
    height: int | None = None
    quality: int = 85
    overlay: bool = False


class ClipFormat(StrEnum):
    """How a clip is sent."""

    JPEG_FILES = "jpeg_files"
    MJPEG = "mjpeg"


@dataclass(frozen=True, kw_only=True)
class ClipOptions:
    """Frames around an event: rate, time before and after, and their packaging."""

    frame_rate: float = 2.0
    seconds_before: float = 2.0
    seconds_after: float = 2.0
    clip_format: ClipFormat = ClipFormat.JPEG_FILES
