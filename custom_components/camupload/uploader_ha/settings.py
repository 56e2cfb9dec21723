"""Server entries and profile subentries read into the uploader engine's values."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME

from custom_components.camupload.const import (
    CONF_CAMERA,
    CONF_DELETE_BEFORE_RENAME,
    CONF_DIRECTORY,
    CONF_EVENT_DIRECTORY,
    CONF_FILE_NAME,
    CONF_FILE_TYPE,
    CONF_FRAME_RATE,
    CONF_HTTP_PATH,
    CONF_IMAGE_HEIGHT,
    CONF_IMAGE_QUALITY,
    CONF_IMAGE_WIDTH,
    CONF_INTERVAL,
    CONF_OVERLAY,
    CONF_OVERRIDE_HOST,
    CONF_OVERRIDE_MODE,
    CONF_OVERRIDE_PASSWORD,
    CONF_OVERRIDE_PORT,
    CONF_OVERRIDE_USERNAME,
    CONF_PASSIVE,
    CONF_PROFILE_NUMBER,
    CONF_PROTOCOL,
    CONF_SCHEDULE,
    CONF_SECONDS_AFTER,
    CONF_SECONDS_BEFORE,
    CONF_STREAMING,
    CONF_TEMPORARY_NAME,
    CONF_VERIFY_TLS,
    DEFAULT_INTERVAL,
    FileType,
    Schedule,
    TransferMode,
)
from custom_components.camupload.uploader.model import (
    DEFAULT_DIRECTORY,
    DEFAULT_FILE_NAME,
    ClipFormat,
    ClipOptions,
    Destination,
    ImageProfile,
    Protocol,
    UploadProfile,
)

DEFAULT_QUALITY = 85
DEFAULT_FRAME_RATE = 2.0

PROFILE_DEFAULTS: Mapping[str, Any] = {
    CONF_DIRECTORY: DEFAULT_DIRECTORY,
    CONF_FILE_NAME: DEFAULT_FILE_NAME,
    CONF_FILE_TYPE: FileType.IMAGE,
    CONF_IMAGE_WIDTH: 0,
    CONF_IMAGE_HEIGHT: 0,
    CONF_IMAGE_QUALITY: DEFAULT_QUALITY,
    CONF_OVERLAY: False,
    CONF_FRAME_RATE: DEFAULT_FRAME_RATE,
    CONF_SECONDS_BEFORE: 0.0,
    CONF_SECONDS_AFTER: 0.0,
    CONF_TEMPORARY_NAME: False,
    CONF_DELETE_BEFORE_RENAME: False,
    CONF_EVENT_DIRECTORY: False,
    CONF_OVERRIDE_HOST: "",
    CONF_OVERRIDE_PORT: 0,
    CONF_OVERRIDE_USERNAME: "",
    CONF_OVERRIDE_PASSWORD: "",
    CONF_OVERRIDE_MODE: TransferMode.SERVER,
    CONF_SCHEDULE: Schedule.OFF,
    CONF_INTERVAL: DEFAULT_INTERVAL,
    CONF_STREAMING: False,
}


def server_destination(data: Mapping[str, Any]) -> Destination:
    """The destination an "Upload server" entry describes."""
    return Destination(
        protocol=Protocol(data[CONF_PROTOCOL]),
        host=data[CONF_HOST],
        port=data.get(CONF_PORT) or None,
        username=data.get(CONF_USERNAME, ""),
        password=data.get(CONF_PASSWORD, ""),
        passive=data.get(CONF_PASSIVE, True),
        verify_tls=data.get(CONF_VERIFY_TLS, True),
        http_path=data.get(CONF_HTTP_PATH, ""),
    )


@dataclass(frozen=True, kw_only=True)
class ProfileSettings:
    """One profile subentry as the runtime uses it."""

    name: str
    camera: str
    file_type: FileType
    profile: UploadProfile
    image: ImageProfile
    clip: ClipOptions
    schedule: Schedule
    interval: float
    streaming: bool

    @property
    def keeps_buffer(self) -> bool:
        """Whether frames are buffered all the time for the time before an event."""
        return self.clip.seconds_before > 0

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any]) -> "ProfileSettings":
        """Read a subentry's data; missing keys take the defaults."""
        values = {**PROFILE_DEFAULTS, **data}
        mode = TransferMode(values[CONF_OVERRIDE_MODE])
        file_type = FileType(values[CONF_FILE_TYPE])
        return cls(
            name=name,
            camera=values.get(CONF_CAMERA, ""),
            file_type=file_type,
            profile=UploadProfile(
                name=name,
                number=int(values.get(CONF_PROFILE_NUMBER, 1)),
                directory=values[CONF_DIRECTORY],
                file_name=values[CONF_FILE_NAME],
                temporary_name=values[CONF_TEMPORARY_NAME],
                delete_before_rename=values[CONF_DELETE_BEFORE_RENAME],
                event_directory=values[CONF_EVENT_DIRECTORY],
                host=values[CONF_OVERRIDE_HOST].strip(),
                port=int(values[CONF_OVERRIDE_PORT]) or None,
                username=values[CONF_OVERRIDE_USERNAME],
                password=values[CONF_OVERRIDE_PASSWORD],
                passive=None if mode is TransferMode.SERVER else mode is TransferMode.PASSIVE,
            ),
            image=ImageProfile(
                width=int(values[CONF_IMAGE_WIDTH]) or None,
                height=int(values[CONF_IMAGE_HEIGHT]) or None,
                quality=int(values[CONF_IMAGE_QUALITY]),
                overlay=values[CONF_OVERLAY],
            ),
            clip=ClipOptions(
                frame_rate=float(values[CONF_FRAME_RATE]),
                seconds_before=float(values[CONF_SECONDS_BEFORE]),
                seconds_after=float(values[CONF_SECONDS_AFTER]),
                clip_format=(
                    ClipFormat.MJPEG if file_type is FileType.CLIP_MJPEG else ClipFormat.JPEG_FILES
                ),
            ),
            schedule=Schedule(values[CONF_SCHEDULE]),
            interval=float(values[CONF_INTERVAL]),
            streaming=values[CONF_STREAMING],
        )
