"""Scheduled uploads, the "fastest" loop and the spool of a profile, against a real vsftpd."""

import asyncio
from datetime import timedelta
from typing import Any, cast

import pytest
from freezegun.api import FrozenDateTimeFactory, TickingDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
)

from custom_components.camupload.const import DOMAIN, PROFILE_FAILURE_ISSUE_AFTER
from custom_components.camupload.runtime import uploader_hub
from custom_components.camupload.uploader_ha import runner as profile_runner
from custom_components.camupload.uploader_ha.status import failing_issue_id, spool_directory
from tests.profile_setup import (
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
    wait_until,
)
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


def _profiles(response: ServiceResponse) -> list[dict[str, Any]]:
    assert response is not None
    return cast("list[dict[str, Any]]", response["profiles"])


async def test_scheduled_uploads_follow_the_switch(
    hass: HomeAssistant, vsftpd_server: FtpServer, freezer: FrozenDateTimeFactory
) -> None:
    """While the switch is on, every interval uploads; off stops it."""
    # Far from midnight: the minutes ticked below must not start a new day's count.
    freezer.move_to("2026-06-15 19:00:00+00:00")
    camera = await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming", file_name="$(TEXT.FTPFILE).jpg", schedule="interval", interval=60
    )
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    switch = profile_entity(hass, runner, "scheduled_uploads", "switch")
    assert hass.states.get(switch).state == "off"  # type: ignore[union-attr]

    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert camera.given == []

    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    for uploads in (1, 2):
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert runner.status.uploads_today == uploads
    assert len(list(vsftpd_server.path().iterdir())) == 2

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert runner.status.uploads_today == 2


async def test_fastest_schedule_streams_back_to_back(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """The "fastest" schedule keeps one streaming connection busy, shown by its sensor."""
    await setup_camera(hass)
    profile = profile_subentry(
        directory="incoming", file_name="$(TEXT.FTPFILE)-$(FPR.ENO).jpg", schedule="fastest"
    )
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    assert runner.streaming
    runner.set_scheduled(enabled=True)
    await wait_until(lambda: runner.status.uploads_today >= 3)
    assert runner.connected
    connectivity = profile_entity(hass, runner, "streaming_connection", "binary_sensor")
    runner.set_scheduled(enabled=False)
    await hass.async_block_till_done()
    assert hass.states.get(connectivity) is not None


async def test_fastest_schedule_survives_an_undecodable_frame(
    hass: HomeAssistant, vsftpd_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreadable frame is a translated error; the "fastest" loop backs off and goes on."""
    monkeypatch.setattr(profile_runner, "FASTEST_PAUSE", 0.01)
    camera = await setup_camera(hass)
    camera.broken = True
    profile = profile_subentry(directory="incoming", image_width=32, schedule="fastest")
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))

    with pytest.raises(HomeAssistantError) as unreadable:
        await runner.async_upload()
    assert unreadable.value.translation_key == "image_unreadable"
    assert runner.status.last_error

    runner.set_scheduled(enabled=True)
    await wait_until(lambda: len(camera.given) >= 4)  # the loop tried again after failing
    camera.broken = False
    await wait_until(lambda: runner.status.uploads_today >= 1)
    runner.set_scheduled(enabled=False)
    await hass.async_block_till_done()
    assert runner.status.last_error is None


async def test_spool_that_cannot_be_written_is_a_translated_error(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """With the server down and the spool folder unusable, the upload says so."""
    await setup_camera(hass)
    runner = await load_profile(
        hass, server_entry(ftp_answers(vsftpd_server), profile_subentry(directory="incoming"))
    )
    vsftpd_server.stop()
    folder = spool_directory(hass, runner.subentry_id)
    await hass.async_add_executor_job(folder.rmdir)
    await hass.async_add_executor_job(folder.write_bytes, b"not a folder")
    with pytest.raises(HomeAssistantError) as unwritable:
        await runner.async_upload()
    assert unwritable.value.translation_key == "spool_unwritable"
    assert runner.status.last_error


async def test_fastest_waits_for_the_spool_while_the_server_is_away(
    hass: HomeAssistant, vsftpd_server: FtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the server down, "fastest" stops taking frames until its spool has drained."""
    monkeypatch.setattr(profile_runner, "FASTEST_PAUSE", 0.01)
    camera = await setup_camera(hass)
    profile = profile_subentry(directory="incoming", schedule="fastest")
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    vsftpd_server.stop()

    runner.set_scheduled(enabled=True)
    await wait_until(lambda: runner.queued == 1)
    taken = len(camera.given)
    await asyncio.sleep(0.3)  # thirty loop pauses: none of them may take another frame
    assert runner.queued == 1
    assert len(camera.given) == taken

    vsftpd_server.start()
    await wait_until(lambda: runner.status.uploads_today >= 3)  # drained, then back to back
    runner.set_scheduled(enabled=False)
    await hass.async_block_till_done()


async def test_a_full_spool_reports_what_it_dropped(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """When the spool must drop its oldest file, the profile's last error says so."""
    await setup_camera(hass)
    profile = profile_subentry(directory="incoming", file_name="d$(FPR.ENO).jpg")
    runner = await load_profile(hass, server_entry(ftp_answers(vsftpd_server), profile))
    vsftpd_server.stop()
    with pytest.raises(HomeAssistantError):
        await runner.async_upload(event=True)
    runner.spool.max_bytes = runner.spool.stats.bytes + 10  # room for one file only

    with pytest.raises(HomeAssistantError):
        await runner.async_upload(event=True)

    assert runner.spool.stats.dropped == 1
    assert runner.queued <= 1
    assert runner.status.last_error is not None
    assert runner.status.last_error.startswith("spool full, dropped incoming/d00000")


# The clock runs on (tick): the spool retries and drains against the real server meanwhile.
@pytest.mark.freeze_time(tick=True)
async def test_restart_mid_spool_loses_nothing(
    hass: HomeAssistant, vsftpd_server: FtpServer, freezer: TickingDateTimeFactory
) -> None:
    """Files spooled while the server is down survive a restart and arrive in order.

    A profile failing for PROFILE_FAILURE_ISSUE_AFTER raises a repair issue; delivery after
    the restart clears it.
    """
    await setup_camera(hass)
    profile = profile_subentry(directory="incoming", file_name="n$(FPR.ENO).jpg")
    entry = server_entry(ftp_answers(vsftpd_server), profile)
    runner = await load_profile(hass, entry)
    vsftpd_server.stop()
    issues = ir.async_get(hass)
    issue_id = failing_issue_id(runner.subentry_id)

    with pytest.raises(HomeAssistantError):
        await runner.async_upload(event=True)
    assert issues.async_get_issue(DOMAIN, issue_id) is None  # failing, but not for long yet
    freezer.move_to(dt_util.utcnow() + timedelta(seconds=PROFILE_FAILURE_ISSUE_AFTER))
    for _ in range(2):
        with pytest.raises(HomeAssistantError):
            await runner.async_upload(event=True)
    assert runner.queued == 3
    # The spool's next retry fails too, now as long after the first failure as the limit.
    await wait_until(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    error = hass.states.get(profile_entity(hass, runner, "last_error", "sensor"))
    assert error is not None
    assert error.state != "unknown"

    # "Restart": unload with the server still down, then start both again.
    assert await hass.config_entries.async_unload(entry.entry_id)
    spooled = sorted(path.name for path in spool_directory(hass, runner.subentry_id).iterdir())
    assert len([name for name in spooled if name.endswith(".spool")]) == 3
    vsftpd_server.start()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    hub = uploader_hub(entry)
    assert hub is not None
    runner = hub.runners[runner.subentry_id]
    await wait_until(lambda: runner.queued == 0)
    names = sorted(path.name for path in vsftpd_server.path().iterdir())
    assert names == ["n000001.jpg", "n000002.jpg", "n000003.jpg"]
    assert issues.async_get_issue(DOMAIN, issue_id) is None
