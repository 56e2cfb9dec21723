"""Sensr's HTTP paths on Home Assistant's own web server, driven by curl, wget and ffmpeg."""

import asyncio
import subprocess
from pathlib import Path
from unittest.mock import patch

import pytest
from aiohttp import BasicAuth
from homeassistant.components.camera import async_get_image
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.camera import NEXT_PART, PART_HEAD
from custom_components.camupload.const import CONF_HTTP_ON_HA, DOMAIN
from custom_components.camupload.receiver_ha.hub import wrong_password_issue_id
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, next_image, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def _setup(hass: HomeAssistant, **options: object) -> MockConfigEntry:
    entry = receiver_entry(free_port(), **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _base_url(hass_client_no_auth: ClientSessionGenerator) -> str:
    client = await hass_client_no_auth()
    return str(client.make_url("")).rstrip("/")


async def _run(*argv: str) -> subprocess.CompletedProcess[bytes]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


async def test_curl_photo_upload(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, tmp_path: Path
) -> None:
    """The README's curl line puts the image on the camera entity."""
    await _setup(hass)
    base = await _base_url(hass_client_no_auth)
    image = tmp_path / "Rocketship.jpg"
    jpeg = make_jpeg(3)
    image.write_bytes(jpeg)
    url = base.replace("http://", f"http://{USERNAME}:{PASSWORD}@") + f"/photo/{USERNAME}"
    arrived = next_image(hass)

    result = await _run(
        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", str(image),
        "-H", "Content-Type: image/jpeg", url,
    )  # fmt: skip

    assert result.stdout == b"200"
    async with asyncio.timeout(10):
        await arrived
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == jpeg


async def test_wget_without_auth_no_challenge(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, tmp_path: Path
) -> None:
    """Wget answers the Basic challenge, so it works without --auth-no-challenge."""
    await _setup(hass)
    base = await _base_url(hass_client_no_auth)
    image = tmp_path / "snap.jpg"
    jpeg = make_jpeg(4)
    image.write_bytes(jpeg)
    arrived = next_image(hass)

    result = await _run(
        "wget", "-q", "-O", "/dev/null", f"--user={USERNAME}", f"--password={PASSWORD}",
        f"--post-file={image}", "--header", "Content-Type: image/jpeg",
        f"{base}/photo/{USERNAME}",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    async with asyncio.timeout(10):
        await arrived
    assert (await async_get_image(hass, CAMERA_ENTITY)).content == jpeg


async def test_unknown_camera_and_receiver_not_serving(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """404 for a camera that does not exist, and when HTTP on Home Assistant is off."""
    entry = await _setup(hass)
    client = await hass_client_no_auth()
    response = await client.post("/photo/nobody", data=make_jpeg(1))
    assert response.status == 404

    hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_HTTP_ON_HA: False})
    await hass.async_block_till_done()
    response = await client.post(
        f"/photo/{USERNAME}", data=make_jpeg(1), auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 404
    assert "does not receive HTTP uploads" in await response.text()


async def test_wrong_password_raises_one_issue_then_clears(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A camera with a stale password raises one repair issue, gone once it gets in."""
    await _setup(hass)
    client = await hass_client_no_auth()
    issues = ir.async_get(hass)
    subentry_id = next(iter(hass.config_entries.async_entries(DOMAIN)[0].subentries))

    with patch("homeassistant.components.http.ban.process_wrong_login") as wrong_login:
        for _ in range(8):
            response = await client.post(
                f"/photo/{USERNAME}", data=make_jpeg(1), auth=BasicAuth(USERNAME, "stale")
            )
            assert response.status == 401
            assert response.headers["WWW-Authenticate"] == 'Basic realm="camupload"'
    # Home Assistant's own failed-login handling (a notification each time) stays out of it.
    wrong_login.assert_not_called()

    issue = issues.async_get_issue(DOMAIN, wrong_password_issue_id(subentry_id))
    assert issue is not None
    assert issue.translation_placeholders == {"camera": "Front door", "address": "127.0.0.1"}
    assert len([i for i in issues.issues.values() if i.domain == DOMAIN]) == 1

    response = await client.post(
        f"/photo/{USERNAME}", data=make_jpeg(2), auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200
    assert issues.async_get_issue(DOMAIN, wrong_password_issue_id(subentry_id)) is None


async def test_live_view_ends_each_part_at_once(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A single upload's part is closed by the next part's head without waiting for another.

    Browsers draw a part only once the next begins: a still camera's one upload must not wait
    for the next upload to show (issue 10: live view blank, then one upload behind).
    """
    await _setup(hass)
    uploader = await hass_client_no_auth()
    viewer = await hass_client()
    live = await viewer.get(f"/api/camera_proxy_stream/{CAMERA_ENTITY}")
    try:
        assert live.headers["Content-Type"] == "multipart/x-mixed-replace;boundary=frameboundary"
        async with asyncio.timeout(10):
            assert await live.content.readuntil(PART_HEAD) == PART_HEAD
            placeholder = (await live.content.readuntil(NEXT_PART)).removesuffix(NEXT_PART)
            assert placeholder.startswith(b"\xff\xd8")
            for number in (4, 5):
                jpeg = make_jpeg(number)
                response = await uploader.post(
                    f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
                )
                assert response.status == 200
                part = (await live.content.readuntil(NEXT_PART)).removesuffix(NEXT_PART)
                assert part == jpeg
    finally:
        live.close()


async def test_ffmpeg_mjpeg_push_feeds_the_live_view(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    tmp_path: Path,
) -> None:
    """An ffmpeg push a stream; the camera's live MJPEG view delivers the pushed frames."""
    await _setup(hass)
    base = await _base_url(hass_client_no_auth)
    viewer = await hass_client()
    live = await viewer.get(f"/api/camera_proxy_stream/{CAMERA_ENTITY}")
    assert live.status == 200
    assert live.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    assert await live.content.readuntil(PART_HEAD) == PART_HEAD

    source = tmp_path / "frame.jpg"
    source.write_bytes(make_jpeg(9, (160, 120)))
    push = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-loop", "1", "-i", str(source),
        "-t", "3", "-r", "5", "-c:v", "mjpeg", "-f", "mpjpeg", "-auth_type", "basic",
        base.replace("http://", f"http://{USERNAME}:{PASSWORD}@") + f"/upload/{USERNAME}",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            pushed = 0
            while pushed < 3:
                body = (await live.content.readuntil(NEXT_PART)).removesuffix(NEXT_PART)
                assert body.startswith(b"\xff\xd8")
                assert body.endswith(b"\xff\xd9")
                state = hass.states.get(CAMERA_ENTITY)
                if state is not None and state.attributes.get("source") == "mjpeg":
                    pushed += 1
    finally:
        _, stderr = await push.communicate()
        live.close()
    assert push.returncode == 0, stderr
    rate = hass.states.get("sensor.front_door_frame_rate")
    assert rate is not None
    assert float(rate.state) > 0
