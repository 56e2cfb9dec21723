"""The receiver as a newcomer meets it: added through the UI, a camera's upload on screen."""

import asyncio
import time

import aiohttp
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator

from tests.browser.camera_client import ftp_login_reply, ftp_upload
from tests.browser.colours import BLUE, RED, RGB, read_colour, solid_jpeg
from tests.browser.frontend import FormAudit, Frontend
from tests.browser.home_assistant import HomeAssistantProcess
from tests.browser.ui_setup import CAMERA_NAME, RECEIVER_TITLE, Receiver

pytestmark = pytest.mark.asyncio(loop_scope="package")

LIVE_VIEW_DEADLINE = 5.0  # seconds for an upload to appear in the open dialog
POLL_INTERVAL = 0.25


async def test_receiver_and_camera_added_through_the_ui(
    receiver: Receiver, home_assistant: HomeAssistantProcess
) -> None:
    """The receiver and a camera exist and work after the UI steps, and their forms render."""
    async with aiohttp.ClientSession() as session:
        entries = await home_assistant.get(session, "/api/config/config_entries/entry")
        state = await home_assistant.get(session, f"/api/states/{receiver.camera_entity_id}")
    receivers = [e for e in entries if e["domain"] == "camupload" and e["title"] == RECEIVER_TITLE]
    assert [e["state"] for e in receivers] == ["loaded"]
    assert state["attributes"]["friendly_name"] == CAMERA_NAME
    # The login the page showed is the one the receiver accepts.
    assert (await ftp_login_reply(receiver.login)).startswith("230")
    assert receiver.audit.checked == ["receiver: add", "camera: add", "camera: login"]
    assert not receiver.audit.failures, receiver.audit.report()


async def _open_camera_dialog(frontend: Frontend) -> Locator:
    """Integration page > the camera's device > its camera entity: the more-info dialog."""
    await frontend.open_integration_page()
    device = frontend.subentry_row(CAMERA_NAME).locator("ha-config-entry-device-row").first
    await device.get_by_text(CAMERA_NAME, exact=True).click()
    await (
        frontend.page.locator("hui-simple-entity-row, hui-generic-entity-row")
        .filter(has=frontend.page.get_by_text(CAMERA_NAME, exact=True))
        .first.get_by_text(CAMERA_NAME, exact=True)
        .click()
    )
    stream = frontend.page.locator("ha-more-info-dialog ha-camera-stream")
    await stream.wait_for(state="attached")
    return stream.locator("img").first


async def _colour_missing(image: Locator, colour: RGB) -> str | None:
    """Poll the image's pixels until they show colour (None); else what it showed last."""
    deadline = time.monotonic() + LIVE_VIEW_DEADLINE
    while True:
        try:
            if await image.evaluate("img => img.naturalWidth") == 0:
                seen = "an image element with no picture decoded (naturalWidth 0)"
            else:
                reading = read_colour(await image.screenshot(timeout=1_000), colour)
                if reading.shows():
                    return None
                seen = f"another picture ({reading})"
        except PlaywrightError as err:
            seen = f"no visible image ({err.message.splitlines()[0]})"
        if time.monotonic() > deadline:
            return seen
        await asyncio.sleep(POLL_INTERVAL)


async def test_live_view_shows_each_upload(receiver: Receiver, frontend: Frontend) -> None:
    """Issue 10, point 1: one FTP upload shows at once; the next replaces it in the open dialog."""
    await ftp_upload(receiver.login, "red.jpg", solid_jpeg(RED))
    image = await _open_camera_dialog(frontend)
    seen = await _colour_missing(image, RED)
    assert seen is None, (
        f"{LIVE_VIEW_DEADLINE} s after opening the camera's dialog on one red upload it shows "
        f"{seen} instead of red"
    )

    await ftp_upload(receiver.login, "blue.jpg", solid_jpeg(BLUE))
    seen = await _colour_missing(image, BLUE)
    assert seen is None, (
        f"{LIVE_VIEW_DEADLINE} s after a blue upload the open camera dialog shows {seen} "
        "instead of blue"
    )


async def test_receiver_options_form(receiver: Receiver, frontend: Frontend) -> None:
    """The receiver's options (its gear) render every text, collapsed sections included.

    Ports and addresses are not among them: the receiver's Reconfigure has them.
    """
    del receiver
    audit = FormAudit()
    await frontend.open_integration_page()
    await frontend.configure_entry(RECEIVER_TITLE)
    await audit.check(
        frontend,
        "receiver: options",
        frontend.dialog.get_by_text("Archive every image", exact=True).first,
    )
    assert not await frontend.dialog.get_by_label("FTP port", exact=True).count()
    await frontend.close_dialog()
    assert not audit.failures, audit.report()


async def test_receiver_reconfigure_form(receiver: Receiver, frontend: Frontend) -> None:
    """The receiver's Reconfigure (its ⋮ menu) shows where cameras connect, and saves.

    Saved unchanged, the receiver keeps running; the message saying so renders too.
    """
    audit = FormAudit()
    await frontend.open_integration_page()
    await frontend.entry_menu(RECEIVER_TITLE, "Reconfigure")
    port = frontend.dialog.get_by_label("FTP port", exact=True)
    await audit.check(frontend, "receiver: reconfigure", port)
    assert await port.input_value() == str(receiver.login.ftp_port)
    await frontend.submit()
    await audit.check(
        frontend, "receiver: reconfigured", frontend.dialog.get_by_text("connection settings")
    )
    await frontend.close_dialog()
    assert not audit.failures, audit.report()
    assert (await ftp_login_reply(receiver.login)).startswith("230")


async def test_camera_reconfigure_form(receiver: Receiver, frontend: Frontend) -> None:
    """A camera's reconfigure form (its gear) shows its login with every text rendered."""
    audit = FormAudit()
    await frontend.open_integration_page()
    await frontend.configure_subentry(CAMERA_NAME)
    await audit.check(
        frontend, "camera: reconfigure", frontend.dialog.get_by_label("Name", exact=True)
    )
    assert receiver.login.password in await frontend.dialog_text()
    await frontend.close_dialog()
    assert not audit.failures, audit.report()
