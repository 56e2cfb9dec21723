"""Media browser for the frame archive: cameras, then days, then images (newest first).

Files are served by an authenticated view; the media player layer signs the resolved URL
(`async_process_play_media_url`) as it does for core's local media.
"""

from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Final
from urllib.parse import quote

from aiohttp import web
from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    MEDIA_CLASS_MAP,
    MEDIA_MIME_TYPES,
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, NAME
from .receiver_ha.archive import (
    ArchiveIndex,
    ArchiveItem,
    ArchivePathError,
    mime_type_of,
    parse_day,
)

ARCHIVE_FOLDER: Final = "camupload"
ARCHIVE_URL: Final = "/api/camupload/archive"
SOURCE_NAME: Final = NAME
# A day of a 1 fps camera is 86 400 images; the browser lists the newest this many.
MAX_BROWSE_ITEMS: Final = 2000
# Archived files never change under their name; let the browser keep thumbnails a while.
CACHE_MAX_AGE: Final = 3600

_VIEW_REGISTERED: HassKey[bool] = HassKey(f"{DOMAIN}_archive_view")


def archive_root(hass: HomeAssistant) -> Path:
    """Folder of the frame archive: "camupload" in Home Assistant's local media folder."""
    return Path(hass.config.media_dirs.get("local", hass.config.path("media"))) / ARCHIVE_FOLDER


def archive_index(hass: HomeAssistant) -> ArchiveIndex:
    """Read access to the archive, in Home Assistant's time zone."""
    return ArchiveIndex(archive_root(hass), tz=dt_util.get_default_time_zone())


def archive_url(relative: str) -> str:
    """Unsigned URL of an archived file on the authenticated view."""
    return f"{ARCHIVE_URL}/{quote(relative)}"


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    """Create the archive's media source and register the view that serves its files."""
    if not hass.data.get(_VIEW_REGISTERED):
        hass.data[_VIEW_REGISTERED] = True
        hass.http.register_view(ArchiveView(hass))
    return ArchiveMediaSource(hass)


class ArchiveMediaSource(MediaSource):
    """The archive as a media source: identifiers are "", "camera", "camera/day", paths."""

    name = SOURCE_NAME

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the source; the archive may not exist yet."""
        super().__init__(DOMAIN)
        self.hass = hass

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Resolve an archived file to its (unsigned, relative) URL on the archive view."""
        index = archive_index(self.hass)
        try:
            path = await self.hass.async_add_executor_job(index.resolve, item.identifier)
        except (ArchivePathError, OSError) as err:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="not_archived_file",
                translation_placeholders={"identifier": item.identifier},
            ) from err
        mime_type = mime_type_of(path.name)
        if mime_type.split("/")[0] not in MEDIA_MIME_TYPES:
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="not_media_file",
                translation_placeholders={"identifier": item.identifier},
            )
        return PlayMedia(archive_url(item.identifier), mime_type)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """List cameras, a camera's days, or a day's files."""
        parts = item.identifier.split("/") if item.identifier else []
        index = archive_index(self.hass)
        try:
            if not parts:
                return self._root(await self.hass.async_add_executor_job(index.cameras))
            if len(parts) == 1:
                days = await self.hass.async_add_executor_job(index.days, parts[0])
                return self._camera(parts[0], days)
            if len(parts) == 2 and (day := parse_day(parts[1])) is not None:  # noqa: PLR2004
                items = await self.hass.async_add_executor_job(index.items, parts[0], day)
                return self._day(parts[0], day, items)
        except ArchivePathError as err:
            raise _not_a_folder(item.identifier) from err
        raise _not_a_folder(item.identifier)

    def _folder(self, identifier: str, title: str, children_class: MediaClass) -> BrowseMediaSource:
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=title,
            can_play=False,
            can_expand=True,
            children_media_class=children_class,
        )

    def _root(self, cameras: list[str]) -> BrowseMediaSource:
        root = self._folder("", SOURCE_NAME, MediaClass.DIRECTORY)
        root.children = [self._folder(camera, camera, MediaClass.DIRECTORY) for camera in cameras]
        return root

    def _camera(self, camera: str, days: list[date]) -> BrowseMediaSource:
        folder = self._folder(camera, camera, MediaClass.DIRECTORY)
        folder.children = [
            self._folder(f"{camera}/{day:%Y-%m-%d}", day.isoformat(), MediaClass.IMAGE)
            for day in days
        ]
        return folder

    def _day(self, camera: str, day: date, items: list[ArchiveItem]) -> BrowseMediaSource:
        folder = self._folder(f"{camera}/{day:%Y-%m-%d}", f"{camera} {day}", MediaClass.IMAGE)
        media = [item for item in items if item.mime_type.split("/")[0] in MEDIA_MIME_TYPES]
        folder.children = [_browse_item(item) for item in media[:MAX_BROWSE_ITEMS]]
        folder.not_shown = len(media) - len(folder.children)
        return folder


def _not_a_folder(identifier: str) -> BrowseError:
    return BrowseError(
        translation_domain=DOMAIN,
        translation_key="not_archive_folder",
        translation_placeholders={"identifier": identifier},
    )


def _browse_item(item: ArchiveItem) -> BrowseMediaSource:
    kind = item.mime_type.split("/")[0]
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=item.path,
        media_class=MEDIA_CLASS_MAP[kind],
        media_content_type=item.mime_type,
        title=f"{item.taken_at:%H:%M:%S}.{item.taken_at.microsecond // 1000:03d}",
        can_play=True,
        can_expand=False,
        thumbnail=archive_url(item.path) if kind == "image" else None,
    )


class ArchiveView(HomeAssistantView):
    """Serves archived files to authenticated users (or signed URLs)."""

    url = f"{ARCHIVE_URL}/{{relative:.+}}"
    name = "api:camupload:archive"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the archive of this Home Assistant."""
        self.hass = hass

    async def get(self, request: web.Request, relative: str) -> web.StreamResponse:
        """Send one archived file, or 404 for anything that is not one."""
        del request
        index = archive_index(self.hass)
        try:
            path = await self.hass.async_add_executor_job(index.resolve, relative)
        except (ArchivePathError, OSError):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        return web.FileResponse(
            path, headers={"Cache-Control": f"private, max-age={CACHE_MAX_AGE}"}
        )
