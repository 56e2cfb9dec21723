"""The archive in Home Assistant's media browser, and the authenticated view serving it."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.camupload import media_source as camupload_media
from custom_components.camupload.const import DOMAIN
from custom_components.camupload.receiver.model import ReceivedFile, ReceivedFrame
from custom_components.camupload.receiver_ha.archive import FrameArchive

ROOT_ID = "media-source://camupload"
# 14:00 UTC is the same calendar day in Home Assistant's test time zone (US/Pacific).
FIRST = datetime(2024, 5, 10, 14, 0, 1, 5000, tzinfo=UTC)


def jpeg(tag: str) -> bytes:
    """Distinct fake JPEG bytes."""
    return b"\xff\xd8" + tag.encode() + b"\xff\xd9"


@pytest.fixture
async def archive(hass: HomeAssistant, tmp_path: Path) -> FrameArchive:
    """An archive under a test media folder, with media_source and camupload loaded."""
    hass.config.media_dirs = {"local": str(tmp_path / "media")}
    assert await async_setup_component(hass, "camupload", {})
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    root = camupload_media.archive_root(hass)
    assert root == tmp_path / "media" / "camupload"
    return FrameArchive(root, retention_days=7, max_bytes=10**9, tz=dt_util.get_default_time_zone())


def store(archive: FrameArchive) -> None:
    """Two cameras, two days, three frames, a clip and a log."""
    archive.save(
        "front",
        ReceivedFrame(
            data=jpeg("one"), username="u", camera_id="front", received_at=FIRST, source="ftp"
        ),
    )
    archive.save(
        "front",
        ReceivedFrame(
            data=jpeg("two"),
            username="u",
            camera_id="front",
            received_at=FIRST + timedelta(minutes=5),
            source="http",
        ),
    )
    archive.save(
        "front",
        ReceivedFrame(
            data=jpeg("old"),
            username="u",
            camera_id="front",
            received_at=FIRST - timedelta(days=1),
            source="ftp",
        ),
    )
    archive.save("front", ReceivedFile(b"mp4", "u", "front", FIRST, "ftp", "clip.mp4"))
    archive.save("front", ReceivedFile(b"log", "u", "front", FIRST, "ftp", "camera.log"))
    archive.save(
        "garden",
        ReceivedFrame(
            data=jpeg("garden"), username="u", camera_id="garden", received_at=FIRST, source="ftp"
        ),
    )


async def test_browse_cameras_days_and_images(hass: HomeAssistant, archive: FrameArchive) -> None:
    """Root lists cameras, a camera its days, a day its media newest first."""
    await hass.async_add_executor_job(store, archive)

    root = await media_source.async_browse_media(hass, ROOT_ID)
    assert root.title == "Camera Upload"
    assert root.children is not None
    assert [child.title for child in root.children] == ["front", "garden"]
    assert all(child.can_expand and not child.can_play for child in root.children)

    camera = await media_source.async_browse_media(hass, f"{ROOT_ID}/front")
    assert camera.children is not None
    assert [child.media_content_id for child in camera.children] == [
        f"{ROOT_ID}/front/2024-05-10",
        f"{ROOT_ID}/front/2024-05-09",
    ]

    day = await media_source.async_browse_media(hass, f"{ROOT_ID}/front/2024-05-10")
    assert day.children is not None
    # The clip's time is its write time (now): newer than the 2024 frames.
    assert [child.media_content_id.rsplit("/", 1)[1] for child in day.children] == [
        "clip.mp4",
        "070501-005.jpg",
        "070001-005.jpg",
    ]
    by_id = {child.media_content_id.rsplit("/", 1)[1]: child for child in day.children}
    image = by_id["070501-005.jpg"]
    assert (image.media_class, image.media_content_type) == (MediaClass.IMAGE, "image/jpeg")
    assert image.can_play
    assert not image.can_expand
    assert image.thumbnail == "/api/camupload/archive/front/2024-05-10/070501-005.jpg"
    clip = by_id["clip.mp4"]
    assert (clip.media_class, clip.thumbnail) == (MediaClass.VIDEO, None)
    assert [child.title for child in day.children[1:]] == ["07:05:01.005", "07:00:01.005"]
    assert day.not_shown == 0


async def test_browse_caps_long_days(
    hass: HomeAssistant, archive: FrameArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond MAX_BROWSE_ITEMS the newest are shown and the rest counted."""
    monkeypatch.setattr(camupload_media, "MAX_BROWSE_ITEMS", 2)
    for index in range(5):
        frame = ReceivedFrame(
            data=jpeg(str(index)),
            username="u",
            camera_id="front",
            received_at=FIRST + timedelta(seconds=index),
            source="ftp",
        )
        await hass.async_add_executor_job(archive.save, "front", frame)
    day = await media_source.async_browse_media(hass, f"{ROOT_ID}/front/2024-05-10")
    assert day.children is not None
    assert [child.title for child in day.children] == ["07:00:05.005", "07:00:04.005"]
    assert day.not_shown == 3


async def test_browse_without_archive_lists_nothing(
    hass: HomeAssistant, archive: FrameArchive
) -> None:
    """No frame stored yet (no folder at all): an empty source, not an error."""
    assert not archive.root.exists()
    root = await media_source.async_browse_media(hass, ROOT_ID)
    assert root.children == []
    camera = await media_source.async_browse_media(hass, f"{ROOT_ID}/front")
    assert camera.children == []


@pytest.mark.parametrize(
    "identifier",
    ["..", ".hidden", "front/yesterday", "front/2024-05-10/070001-005.jpg", "a/b/c/d", "front/.."],
)
async def test_browse_rejects_what_is_not_a_folder(
    hass: HomeAssistant, archive: FrameArchive, identifier: str
) -> None:
    """Unsafe or non-folder identifiers are browse errors."""
    await hass.async_add_executor_job(store, archive)
    with pytest.raises(BrowseError):
        await media_source.async_browse_media(hass, f"{ROOT_ID}/{identifier}")


async def test_resolve_and_fetch_with_auth(
    hass: HomeAssistant,
    archive: FrameArchive,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The resolved URL serves the stored bytes to a logged-in user, and to no one else."""
    await hass.async_add_executor_job(store, archive)
    play = await media_source.async_resolve_media(
        hass, f"{ROOT_ID}/front/2024-05-10/070501-005.jpg", None
    )
    assert play.url == "/api/camupload/archive/front/2024-05-10/070501-005.jpg"
    assert play.mime_type == "image/jpeg"

    client = await hass_client()
    response = await client.get(play.url)
    assert response.status == HTTPStatus.OK
    assert await response.read() == jpeg("two")
    assert response.headers["Content-Type"] == "image/jpeg"

    anonymous = await hass_client_no_auth()
    response = await anonymous.get(play.url)
    assert response.status == HTTPStatus.UNAUTHORIZED


async def test_signed_url_from_websocket_resolve(
    hass: HomeAssistant,
    archive: FrameArchive,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The frontend's resolve signs the URL; the signed URL works without a token."""
    await hass.async_add_executor_job(store, archive)
    websocket = await hass_ws_client(hass)
    await websocket.send_json(
        {
            "id": 1,
            "type": "media_source/resolve_media",
            "media_content_id": f"{ROOT_ID}/front/2024-05-10/clip.mp4",
        }
    )
    message = await websocket.receive_json()
    assert message["success"], message
    url = message["result"]["url"]
    assert url.startswith("/api/camupload/archive/front/2024-05-10/clip.mp4?authSig=")
    assert message["result"]["mime_type"] == "video/mp4"

    anonymous = await hass_client_no_auth()
    response = await anonymous.get(url)
    assert response.status == HTTPStatus.OK
    assert await response.read() == b"mp4"


@pytest.mark.parametrize(
    "identifier",
    [
        "front/2024-05-10/missing.jpg",
        "front/2024-05-10/camera.log",
        "front/2024-05-10",
        "front/../../secret.jpg",
        "front/2024-05-10/..%2F..%2Fsecret.jpg",
    ],
)
async def test_resolve_refuses_what_is_not_archived_media(
    hass: HomeAssistant, archive: FrameArchive, identifier: str
) -> None:
    """Missing files, non-media files, folders and escapes are unresolvable."""
    await hass.async_add_executor_job(store, archive)
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_resolve_media(hass, f"{ROOT_ID}/{identifier}", None)


async def test_view_refuses_escapes(
    hass: HomeAssistant,
    archive: FrameArchive,
    hass_client: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    """Even a logged-in user gets nothing but archived files."""
    await hass.async_add_executor_job(store, archive)
    secret = tmp_path / "media" / "secret.jpg"
    secret.write_bytes(b"secret")
    day = archive.root / "front" / "2024-05-10"
    (day / "link.jpg").symlink_to(secret)
    client = await hass_client()
    for path in (
        "front/2024-05-10/link.jpg",
        "front/2024-05-10/..%2F..%2F..%2Fsecret.jpg",
        "..%2Fsecret.jpg/x/y",
        "front/2024-05-10/missing.jpg",
        "front/2024-05-10",
    ):
        response = await client.get(f"/api/camupload/archive/{path}")
        # Home Assistant's security filter answers 400 to encoded "..", before the view.
        assert response.status in {HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND}, path
        assert b"secret" not in await response.read()
    response = await client.get("/api/camupload/archive/front/2024-05-10/camera.log")
    assert response.status == HTTPStatus.OK


async def test_view_is_registered_once(hass: HomeAssistant, archive: FrameArchive) -> None:
    """A second media source for the same Home Assistant reuses the view."""
    del archive
    source = await camupload_media.async_get_media_source(hass)
    assert source.name == "Camera Upload"
    routes = [
        route
        for route in hass.http.app.router.routes()
        if route.resource is not None
        and route.resource.canonical == "/api/camupload/archive/{relative}"
    ]
    assert [route.method for route in routes].count("GET") == 1


ERROR_DAY = "front/2024-05-10"  # a day folder of the archive


@pytest.mark.parametrize(
    "case",
    [
        ("browse_media", "front/yesterday", "is not a folder of the Camera Upload archive"),
        ("resolve_media", f"{ERROR_DAY}/missing.jpg", "is not a file in the Camera Upload archive"),
        (
            "resolve_media",
            f"{ERROR_DAY}/camera.log",
            "is not an image, video or audio file, so it cannot be played",
        ),
    ],
)
async def test_media_browser_errors_are_translated(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    tmp_path: Path,
    case: tuple[str, str, str],
) -> None:
    """The media browser shows the archive's errors in words, from strings.json."""
    request, identifier, says = case
    hass.config.media_dirs = {"local": str(tmp_path / "media")}
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "media_source", {})
    day = camupload_media.archive_root(hass) / ERROR_DAY
    await hass.async_add_executor_job(lambda: day.mkdir(parents=True))
    await hass.async_add_executor_job((day / "camera.log").write_bytes, b"log")
    websocket = await hass_ws_client(hass)
    await websocket.send_json(
        {
            "id": 1,
            "type": f"media_source/{request}",
            "media_content_id": f"media-source://{DOMAIN}/{identifier}",
        }
    )
    answer = await websocket.receive_json()
    assert not answer["success"]
    assert answer["error"]["message"] == f"{identifier} {says}"
