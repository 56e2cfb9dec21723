"""HTTP photo upload and MJPEG push with real clients (curl, wget, ffmpeg, aiohttp)."""

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from custom_components.camupload.receiver import parse_basic_auth
from tests.receiver.loopback import CAMERA, OTHER, Running, start_receiver
from tests.receiver.processes import run
from tests.receiver.raw_clients import auth
from tests.receiver.sample_jpegs import make_jpeg, sample_frames

FFMPEG_FRAMES = 12


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A JPEG on disk, as a camera script would upload it."""
    path = tmp_path / "Rocketship.jpg"
    path.write_bytes(sample_frames()[3])
    return path


async def test_curl_put_as_in_the_sensr_contract(running: Running, photo: Path) -> None:
    """A curl -T with credentials in the URL is accepted and published."""
    url = running.url(f"/photo/{CAMERA.username}", user=CAMERA.username, password=CAMERA.password)
    code, out, _ = await run(
        "curl", "-sS", "-w", "%{http_code}", "-T", str(photo), "-H", "Content-Type: image/jpeg", url
    )
    assert code == 0
    assert out.endswith("200")
    [frame] = running.collected.frames
    assert frame.data == sample_frames()[3]
    assert (frame.username, frame.camera_id, frame.source) == ("cam28", "front-door", "http")
    assert frame.received_at.tzinfo is not None


@pytest.mark.parametrize("challenge", [True, False])
async def test_wget_post_file(running: Running, photo: Path, *, challenge: bool) -> None:
    """The wget client works with --auth-no-challenge and without it (401 challenge, then retry)."""
    options = [] if challenge else ["--auth-no-challenge"]
    code, _, err = await run(
        "wget", "-q", "-O", "-", *options, f"--user={CAMERA.username}",
        f"--password={CAMERA.password}", f"--post-file={photo}",
        "--header", "Content-Type: image/jpeg", running.url(f"/photo/{CAMERA.username}"),
    )  # fmt: skip
    assert code == 0, err
    assert [f.data for f in running.collected.frames] == [sample_frames()[3]]


async def test_photo_refusals_each_with_a_clear_reply(running: Running) -> None:
    """404, 401 (missing, malformed, wrong), 400, 413; then a good upload still works."""
    jpeg = make_jpeg(1)
    url = running.url(f"/photo/{CAMERA.username}")
    async with aiohttp.ClientSession() as session:
        async with session.post(running.url("/photo/nobody"), data=jpeg) as response:
            assert response.status == 404
        async with session.post(url, data=jpeg) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"] == 'Basic realm="camupload"'
        bad = {"Authorization": "Basic !!!not-base64"}
        async with session.post(url, data=jpeg, headers=bad) as response:
            assert response.status == 401
        wrong = auth(CAMERA.username, "wrong")
        async with session.put(url, data=jpeg, headers=wrong) as response:
            assert response.status == 401
            assert "wrong" in await response.text()
        other = auth(OTHER.username, OTHER.password)
        async with session.post(url, data=jpeg, headers=other) as response:
            assert response.status == 401
        good = auth(CAMERA.username, CAMERA.password)
        async with session.post(url, data=b"GIF89a not a jpeg", headers=good) as response:
            assert response.status == 400
            assert "not a complete JPEG" in await response.text()
        async with session.post(url, data=jpeg[:-10], headers=good) as response:
            assert response.status == 400
        async with session.put(url, data=jpeg, headers=good) as response:
            assert response.status == 200
    assert [f.data for f in running.collected.frames] == [jpeg]
    assert [(u, s) for u, _, s in running.collected.failures] == [("cam28", "http")] * 2


@pytest.mark.parametrize("chunked", [False, True])
async def test_photo_too_large(tmp_path: Path, *, chunked: bool) -> None:
    """Over max_upload_size: 413 (by Content-Length or while streaming); limit inclusive."""
    jpeg = make_jpeg(2)
    started = await start_receiver(tmp_path, ftp_port=None, max_upload_size=len(jpeg))
    url = started.url(f"/photo/{CAMERA.username}")
    good = auth(CAMERA.username, CAMERA.password)

    async def body(data: bytes) -> AsyncIterator[bytes]:
        yield data

    try:
        async with aiohttp.ClientSession() as session:
            big = jpeg + b"\x00"
            data = body(big) if chunked else big
            async with session.post(url, data=data, headers=good) as response:
                assert response.status == 413
            async with session.post(url, data=jpeg, headers=good) as response:
                assert response.status == 200
    finally:
        await started.receiver.stop()
    assert len(started.collected.frames) == 1


async def test_photo_as_multipart_form(running: Running) -> None:
    """A curl -F form uploads one file field; a form without a file is a 400."""
    jpeg = make_jpeg(3)
    path = running.tmp_path / "snap.jpg"
    path.write_bytes(jpeg)
    url = running.url(f"/photo/{CAMERA.username}", user=CAMERA.username, password=CAMERA.password)
    code, out, _ = await run("curl", "-sS", "-w", "%{http_code}", "-F", f"image=@{path}", url)
    assert (code, out[-3:]) == (0, "200")
    code, out, _ = await run("curl", "-sS", "-w", "%{http_code}", "-F", "note=hello", url)
    assert out[-3:] == "400"
    assert [f.data for f in running.collected.frames] == [jpeg]


@pytest.mark.parametrize("muxer", ["mpjpeg", "mjpeg"])
async def test_ffmpeg_pushes_mjpeg(running: Running, muxer: str) -> None:
    """An ffmpeg with -auth_type basic pushes a stream; every frame is published."""
    url = running.url(f"/upload/{CAMERA.username}", user=CAMERA.username, password=CAMERA.password)
    code, _, err = await run(
        "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
        "-frames:v", str(FFMPEG_FRAMES), "-q:v", "5", "-f", muxer, "-auth_type", "basic", url,
    )  # fmt: skip
    assert code == 0, err
    frames = running.collected.frames
    assert len(frames) == FFMPEG_FRAMES
    assert {f.source for f in frames} == {"mjpeg"}
    assert running.receiver.stats(CAMERA.username).frames == FFMPEG_FRAMES


async def test_ffmpeg_without_auth_type_is_refused(running: Running) -> None:
    """Without -auth_type basic ffmpeg sends no credentials on a streaming POST: 401."""
    url = running.url(f"/upload/{CAMERA.username}", user=CAMERA.username, password=CAMERA.password)
    await run(
        "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
        "-frames:v", "3", "-f", "mpjpeg", url,
    )  # fmt: skip
    # ffmpeg may still exit 0 (it reads the 401 only at the end): nothing was accepted.
    assert running.collected.frames == []


async def test_mjpeg_push_publishes_frames_as_they_arrive(running: Running) -> None:
    """Each frame is published before the request ends; bytes are read as a stream."""
    frames = list(sample_frames())
    url = running.url(f"/upload/{CAMERA.username}")
    sent = asyncio.Event()
    seen_before_end: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for frame in frames:
            yield b"--b\r\nContent-Type: image/jpeg\r\n\r\n" + frame + b"\r\n"
            await running.collected.wait_for(len(seen_before_end) + 1)
            seen_before_end.append(len(running.collected.frames))
        yield make_jpeg(4)[:500]  # an unfinished frame at the end is never published
        sent.set()

    headers = auth(CAMERA.username, CAMERA.password)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body(), headers=headers) as response,
    ):
        assert response.status == 200
        assert await response.text() == f"{len(frames)} frames received, 1 dropped\n"
    assert sent.is_set()
    assert seen_before_end == [1, 2, 3, 4, 5]
    assert [f.data for f in running.collected.frames] == frames


async def test_mjpeg_refusals(running: Running) -> None:
    """The push endpoint has the same 404/401 answers as the photo endpoint."""
    async with aiohttp.ClientSession() as session:
        async with session.post(running.url("/upload/nobody"), data=b"") as response:
            assert response.status == 404
        async with session.post(running.url("/upload/cam28"), data=b"") as response:
            assert response.status == 401
            assert "WWW-Authenticate" in response.headers


async def test_stalled_stream_is_closed(tmp_path: Path) -> None:
    """A push that sends nothing for stall_timeout gets 408; a moving one is never cut."""
    started = await start_receiver(tmp_path, ftp_port=None, stall_timeout=0.3)
    frame = make_jpeg(5)

    async def slow_but_moving() -> AsyncIterator[bytes]:
        for start in range(0, len(frame), 100):
            yield frame[start : start + 100]
            await asyncio.sleep(0.05)

    async def stalls() -> AsyncIterator[bytes]:
        yield frame
        await asyncio.sleep(1.5)
        yield frame

    url = started.url(f"/upload/{CAMERA.username}")
    headers = auth(CAMERA.username, CAMERA.password)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=slow_but_moving(), headers=headers) as response:
                assert response.status == 200
            status = None
            with contextlib.suppress(aiohttp.ClientError):
                async with session.post(url, data=stalls(), headers=headers) as response:
                    status = response.status
            assert status == 408
    finally:
        await started.receiver.stop()
    assert len(started.collected.frames) == 2


async def test_handlers_mount_on_any_application(running: Running) -> None:
    """HttpUploadHandlers.add_routes serves on a fresh aiohttp app too."""
    app = aiohttp.web.Application()
    running.receiver.http.add_routes(app)
    routes = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    assert ("POST", "/photo/{username}") in routes
    assert ("PUT", "/upload/{username}") in routes


def test_parse_basic_auth() -> None:
    """Header parsing accepts UTF-8 and Latin-1, refuses malformed values."""
    assert parse_basic_auth("Basic " + base64.b64encode(b"u:p:q").decode()) == ("u", "p:q")
    assert parse_basic_auth("basic " + base64.b64encode("ü:pw".encode()).decode()) == ("ü", "pw")
    assert parse_basic_auth("Basic " + base64.b64encode("ü:pw".encode("latin-1")).decode()) == (
        "ü",
        "pw",
    )
    for bad in (
        None,
        "",
        "Bearer abc",
        "Basic",
        "Basic !!",
        "Basic " + base64.b64encode(b"x").decode(),
    ):
        assert parse_basic_auth(bad) is None
