"""A profile's interval schedule against slow and faulty cameras, and without a schedule.

Scheduled uploads never pile up behind a slow camera, survive a camera that fails in a way no
one planned for, and a profile set to no schedule uploads nothing with its switch on. Files go
to a real vsftpd, every second in real time (a frozen clock would also freeze the camera).
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import setup_test_component_platform

from custom_components.camupload.uploader_ha.runner import ProfileRunner
from tests.profile_setup import (
    FrameCamera,
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    wait_until,
)
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

INTERVAL = 1  # seconds between scheduled uploads


class TroubledCamera(FrameCamera):
    """camera.yard, which can be made to hang until released, or to fail unexpectedly."""

    def __init__(self) -> None:
        """Answer at once, without faults."""
        super().__init__()
        self.asked = 0
        self.released = asyncio.Event()
        self.released.set()
        self.fault: Exception | None = None

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Wait until released, then fail with the fault or give the next frame."""
        self.asked += 1
        await self.released.wait()
        if self.fault is not None:
            raise self.fault
        return await super().async_camera_image(width, height)


@asynccontextmanager
async def _scheduled_profile(
    hass: HomeAssistant, server: FtpServer, schedule: str = "interval"
) -> AsyncIterator[tuple[TroubledCamera, ProfileRunner]]:
    """camera.yard and a profile uploading it every second while its switch is on."""
    camera = TroubledCamera()
    setup_test_component_platform(hass, "camera", [camera])
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    profile = profile_subentry(
        directory="incoming",
        file_name="{{ now().timestamp() }}.jpg",
        schedule=schedule,
        interval=INTERVAL,
    )
    runner = await load_profile(hass, server_entry(ftp_answers(server), profile))
    switch = profile_entity(hass, runner, "scheduled_uploads", "switch")
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert hass.states.get(switch).state == "on"  # type: ignore[union-attr]
    try:
        yield camera, runner
    finally:
        camera.released.set()
        await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
        await hass.async_block_till_done(wait_background_tasks=True)


async def test_slow_camera_skips_ticks_instead_of_piling_up(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """While one scheduled upload waits for the camera, the next ones are skipped."""
    async with _scheduled_profile(hass, vsftpd_server) as (camera, runner):
        camera.released.clear()
        await wait_until(lambda: camera.asked == 1)
        await asyncio.sleep(INTERVAL * 2.5)  # two more ticks while the camera hangs
        assert camera.asked == 1

        camera.released.set()
        await wait_until(lambda: runner.status.uploads_today >= 2)  # ticks resume
    assert len(list(vsftpd_server.path().iterdir())) >= 2


async def test_unexpected_camera_fault_does_not_end_the_schedule(
    hass: HomeAssistant, vsftpd_server: FtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A camera failing with an error nobody expected is logged; the next tick uploads."""
    async with _scheduled_profile(hass, vsftpd_server) as (camera, runner):
        camera.fault = RuntimeError("lens driver crashed")
        with caplog.at_level(logging.ERROR):
            await wait_until(lambda: "failed unexpectedly" in caplog.text)
        camera.fault = None
        await wait_until(lambda: runner.status.uploads_today >= 1)
    record = next(r for r in caplog.records if "failed unexpectedly" in r.getMessage())
    assert record.getMessage() == "Scheduled upload of Yard failed unexpectedly"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "lens driver crashed"
    assert len(list(vsftpd_server.path().iterdir())) >= 1


async def test_switch_on_without_a_schedule_uploads_nothing(
    hass: HomeAssistant, vsftpd_server: FtpServer
) -> None:
    """A profile whose schedule is off takes no picture, whatever its switch says."""
    async with _scheduled_profile(hass, vsftpd_server, schedule="off") as (camera, runner):
        await asyncio.sleep(INTERVAL * 2.5)
        assert camera.asked == 0
        assert runner.status.uploads_today == 0
    assert list(vsftpd_server.path().iterdir()) == []
