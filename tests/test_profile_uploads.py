"""Profiles uploading a Home Assistant camera to a real vsftpd and to our own receiver."""

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import DOMAIN
from custom_components.camupload.diagnostics import async_get_config_entry_diagnostics
from custom_components.camupload.runtime import receiver_hub, uploader_hub
from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader_ha.status import failing_issue_id, spool_directory
from tests.ports import free_port
from tests.profile_setup import (
    FrameCamera,
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
    wait_until,
)
from tests.receiver_setup import CAMERA_ENTITY, PASSWORD, USERNAME, receiver_entry
from tests.uploader.servers import BAD_PASSWORD, FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


def _profiles(response: ServiceResponse) -> list[dict[str, Any]]:
    assert response is not None
    return cast("list[dict[str, Any]]", response["profiles"])


async def test_upload_action_to_vsftpd(
    hass: HomeAssistant, vsftpd_server: FtpServer, tmp_path: Path
) -> None:
    """The action uploads the camera's image and answers with every destination written."""
    camera = await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming/$(ID.NAM)",
        file_name="{{ 'snap' }}-$(PRF.NUM)-$(USER.TAG).jpg",
        image_width=32,
        overlay=True,
    )
    entry = server_entry(ftp_answers(vsftpd_server), profile)
    runner = await load_profile(hass, entry)

    response = await hass.services.async_call(
        DOMAIN,
        "upload_profile",
        {"profile": "yard", "variables": {"USER.TAG": "gate"}},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    (result,) = _profiles(response)
    (file,) = result["files"]
    stored = vsftpd_server.path("Yard", "snap-1-gate.jpg")
    assert stored.read_bytes()[:2] == b"\xff\xd8"
    assert file["path"] == "incoming/Yard/snap-1-gate.jpg"
    assert file["bytes"] == stored.stat().st_size
    assert file["milliseconds"] >= 0
    assert file["spooled"] is False
    assert file["destination"].endswith("/incoming/Yard/snap-1-gate.jpg")
    assert len(camera.given) == 1
    assert stored.read_bytes() != camera.given[0]  # resized to 32 px with the overlay

    # The button has no extra variables: the name cannot be rendered, and says why.
    button = profile_entity(hass, runner, "upload_now", "button")
    with pytest.raises(ServiceValidationError) as bad_name:
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert bad_name.value.translation_key == "bad_name"
    assert "USER.TAG" in str(bad_name.value.translation_placeholders)

    # Targeting the profile by its entity; sensors follow.
    await hass.services.async_call(
        DOMAIN,
        "upload_profile",
        {"entity_id": button, "variables": {"USER.TAG": "gate"}},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(profile_entity(hass, runner, "uploads_today", "sensor")).state == "2"  # type: ignore[union-attr]
    destination = hass.states.get(profile_entity(hass, runner, "last_destination", "sensor"))
    assert destination is not None
    assert destination.state.endswith("snap-1-gate.jpg")
    assert hass.states.get(profile_entity(hass, runner, "queued_uploads", "sensor")).state == "0"  # type: ignore[union-attr]

    # The network test, by device target.
    device_id = er.async_get(hass).async_get(button).device_id  # type: ignore[union-attr]
    response = await hass.services.async_call(
        DOMAIN, "test_profile", {"device_id": device_id}, blocking=True, return_response=True
    )
    assert response is not None
    (test,) = _profiles(response)
    assert test["ok"] is True
    assert [step["name"].split()[0] for step in test["steps"]] == [
        "resolve", "connect", "log", "directory", "store", "rename", "delete",
    ]  # fmt: skip
    await hass.services.async_call(
        "button", "press", {"entity_id": profile_entity(hass, runner, "network_test", "button")},
        blocking=True,
    )  # fmt: skip

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["profiles"]["Yard"]["uploads_today"] == 2
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"

    with pytest.raises(ServiceValidationError) as unknown:
        await hass.services.async_call(
            DOMAIN, "upload_profile", {"profile": "nope"}, blocking=True, return_response=True
        )
    assert unknown.value.translation_key == "unknown_profile"
    with pytest.raises(ServiceValidationError) as nothing:
        await hass.services.async_call(DOMAIN, "upload_profile", {}, blocking=True)
    assert nothing.value.translation_key == "no_profile"
    with pytest.raises(HomeAssistantError) as no_camera:
        await hass.services.async_call(
            DOMAIN, "upload_profile", {"profile": "Yard", "camera": "camera.none"}, blocking=True
        )
    assert no_camera.value.translation_key == "camera_unavailable"
    del tmp_path


async def test_one_failing_profile_does_not_stop_the_others(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Every targeted profile runs; the failures come back as one error naming each profile."""
    await setup_camera(hass)
    failing = profile_subentry(name="Gate", directory="incoming", file_name="$(USER.TAG).jpg")
    working = profile_subentry(name="Yard", number=2, directory="incoming", file_name="y.jpg")
    await load_profile(hass, server_entry(ftp_answers(vsftpd_server), failing, working))

    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            DOMAIN, "upload_profile", {"profile": ["Gate", "Yard"]}, blocking=True
        )
    assert failed.value.translation_key == "profiles_failed"
    placeholders = failed.value.translation_placeholders or {}
    assert placeholders["failed"].startswith("Gate: ")
    assert placeholders["succeeded"] == "Yard"
    assert vsftpd_server.path("y.jpg").read_bytes()[:2] == b"\xff\xd8"

    # Alone, a profile's failure keeps its own error.
    with pytest.raises(ServiceValidationError) as alone:
        await hass.services.async_call(DOMAIN, "upload_profile", {"profile": "Gate"}, blocking=True)
    assert alone.value.translation_key == "bad_name"


async def test_rejected_password_starts_reauth(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """An upload refused for the password raises, spools, and opens the reauth flow."""
    await setup_camera(hass)
    entry = server_entry(
        ftp_answers(vsftpd_server, password=BAD_PASSWORD),
        profile_subentry(directory="incoming"),
    )
    runner = await load_profile(hass, entry)
    with pytest.raises(HomeAssistantError) as refused:
        await runner.async_upload()
    assert refused.value.translation_key == "upload_spooled"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert runner.status.last_error is not None
    assert runner.queued == 1


async def test_event_clip_with_frames_before_and_after(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """An event sends the buffered frames and those after it, into its event directory."""
    camera = await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming",
        file_name="f$(FPR.FRM).jpg",
        file_type="clip_jpeg",
        frame_rate=5.0,
        seconds_before=1.0,
        seconds_after=1.0,
        event_directory=True,
    )
    entry = server_entry(ftp_answers(vsftpd_server), profile)
    runner = await load_profile(hass, entry)
    await wait_until(lambda: len(camera.given) >= 4)
    before_event = len(camera.given)

    response = await hass.services.async_call(
        DOMAIN,
        "upload_profile",
        {"profile": "Yard", "event": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    (result,) = _profiles(response)
    assert result["event"] == 1
    files = result["files"]
    stored = sorted(vsftpd_server.path("E000001").iterdir())
    assert len(stored) == len(files)
    assert len(files) >= 6  # about 5 before and 5 after at 5 fps, with slack for a busy machine
    contents = {path.read_bytes() for path in stored}
    assert contents & set(camera.given[:before_event])  # frames from before the event
    assert contents & set(camera.given[before_event:])  # and from after it

    # The event number survives a restart.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    hub = uploader_hub(entry)
    assert hub is not None
    runner = hub.runners[runner.subentry_id]
    assert runner.event_number == 1


async def test_mjpeg_event_clip_without_buffer(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """With no time before, an event records the time after into one MJPEG file."""
    camera = await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming",
        file_name="clip-$(FPR.ENO).mjpeg",
        file_type="clip_mjpeg",
        frame_rate=5.0,
        seconds_after=0.6,
    )
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    assert runner.buffer is None
    upload = await runner.async_upload(event=True)
    assert upload.event == 1
    assert [delivery.path for delivery in upload.deliveries] == ["incoming/clip-000001.mjpeg"]
    clip = vsftpd_server.path("clip-000001.mjpeg").read_bytes()
    assert clip == b"".join(camera.given[: clip.count(b"\xff\xd9")])
    assert clip.count(b"\xff\xd8") >= 2


async def test_concurrent_events_take_their_own_numbers(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """Two events started together each get their own number, in names and in the response."""
    await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming",
        file_name="clip-$(FPR.ENO).mjpeg",
        file_type="clip_mjpeg",
        frame_rate=5.0,
        seconds_after=0.4,
    )
    await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))

    async def event() -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN,
            "upload_profile",
            {"profile": "Yard", "event": True},
            blocking=True,
            return_response=True,
        )
        (result,) = _profiles(response)
        return result

    first, second = await asyncio.gather(event(), event())
    assert sorted([first["event"], second["event"]]) == [1, 2]
    for result in (first, second):
        (file,) = result["files"]
        assert file["path"] == f"incoming/clip-{result['event']:06d}.mjpeg"
    names = sorted(path.name for path in vsftpd_server.path().iterdir())
    assert names == ["clip-000001.mjpeg", "clip-000002.mjpeg"]


async def test_removed_profiles_and_servers_leave_nothing_behind(
    hass: HomeAssistant, vsftpd_server: FtpServer, hass_storage: dict[str, Any]
) -> None:
    """Removing a profile, then its server, deletes repair issues, spools and event numbers."""
    await setup_camera(hass)
    entry = server_entry(
        ftp_answers(vsftpd_server),
        profile_subentry(name="Kept", directory="incoming"),
        profile_subentry(name="Removed", number=2, directory="incoming"),
    )
    await load_profile(hass, entry)
    hub = uploader_hub(entry)
    assert hub is not None
    runners = {runner.name: runner for runner in hub.runners.values()}
    vsftpd_server.stop()
    issues = ir.async_get(hass)
    for runner in runners.values():
        with pytest.raises(HomeAssistantError):
            await runner.async_upload(event=True)  # spools a file, stores the event number
        ir.async_create_issue(
            hass,
            DOMAIN,
            failing_issue_id(runner.subentry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="profile_failing",
        )

    def leftovers(subentry_id: str) -> list[str]:
        found = []
        if issues.async_get_issue(DOMAIN, failing_issue_id(subentry_id)) is not None:
            found.append("issue")
        if spool_directory(hass, subentry_id).exists():
            found.append("spool")
        if f"{DOMAIN}.events.{subentry_id}" in hass_storage:
            found.append("events")
        return found

    kept, removed = runners["Kept"].subentry_id, runners["Removed"].subentry_id
    assert leftovers(kept) == leftovers(removed) == ["issue", "spool", "events"]

    assert hass.config_entries.async_remove_subentry(entry, removed)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert leftovers(removed) == []
    assert leftovers(kept) == ["issue", "spool", "events"]

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert leftovers(kept) == []


async def test_upload_to_our_receiver_camera(hass: HomeAssistant, tmp_path: Path) -> None:
    """A profile uploads by FTP to camupload's own receiver; the bytes reach its camera.

    A second profile whose source is the receiver camera buffers its frames from the feed.
    """
    del tmp_path
    await setup_camera(hass)
    ftp_port = free_port()
    receiver = receiver_entry(ftp_port)
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await hass.async_block_till_done()

    answers = {
        "protocol": "ftp",
        "host": "127.0.0.1",
        "port": ftp_port,
        "username": USERNAME,
        "password": PASSWORD,
        "passive": True,
    }
    upload = profile_subentry(name="To receiver", directory="", file_name="snap.jpg")
    relay = profile_subentry(
        name="Relay",
        number=2,
        camera=CAMERA_ENTITY,
        directory="",
        file_name="relay.jpg",
        file_type="clip_jpeg",
        seconds_before=5.0,
        frame_rate=5.0,
    )
    entry = server_entry(answers, upload, relay)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hub = uploader_hub(entry)
    assert hub is not None
    runners = {runner.name: runner for runner in hub.runners.values()}
    collector = runners["Relay"]._collector
    assert collector is not None
    assert collector.pushed

    (delivery,) = (await runners["To receiver"].async_upload()).deliveries
    assert delivery.bytes > 0
    image = await async_get_image(hass, CAMERA_ENTITY)
    stored = runners["Relay"].buffer
    assert stored is not None
    await wait_until(lambda: len(stored.frames()) == 1)
    assert stored.frames()[0].data == image.content
    assert len(image.content) == delivery.bytes

    # A reloaded receiver has new feeds: the relay follows them rather than the old one.
    assert await hass.config_entries.async_reload(receiver.entry_id)
    await hass.async_block_till_done()
    new_hub = receiver_hub(receiver)
    assert new_hub is not None
    later = Frame(
        data=b"\xff\xd8 after reload \xff\xd9",
        received_at=dt_util.utcnow() + timedelta(seconds=1),
        source="http",
        file_name=None,
    )
    next(iter(new_hub.feeds.values())).push(later)
    assert collector.pushed
    assert stored.frames()[-1].data == later.data


def test_frame_camera_is_a_camera() -> None:
    """The helper camera hands out a new JPEG each time."""
    assert FrameCamera().given == []
