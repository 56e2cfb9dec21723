"""Adding the receiver, a camera, an upload server and a profile through the frontend."""

import re
from dataclasses import dataclass, field

import aiohttp

from tests.browser.camera_client import CameraLogin
from tests.browser.frontend import FormAudit, Frontend
from tests.browser.home_assistant import HomeAssistantProcess

CAMERA_NAME = "Front door"
RECEIVER_TITLE = "Upload receiver"
PROFILE_NAME = "Gate"
LOOPBACK = "127.0.0.1"  # the receiver listens on every interface; the tests upload here


@dataclass(kw_only=True)
class Receiver:
    """The receiver and its camera, as added through the UI, and the forms seen on the way."""

    login: CameraLogin
    camera_entity_id: str
    audit: FormAudit = field(default_factory=FormAudit)


@dataclass(kw_only=True)
class UploadServer:
    """An upload server and its profile, as added through the UI, and the forms seen."""

    title: str
    profile: str
    audit: FormAudit = field(default_factory=FormAudit)


async def add_receiver_and_camera(ui: Frontend, audit: FormAudit, *, ftp_port: int) -> CameraLogin:
    """Add the receiver on ftp_port, then a camera; returns the login the page shows for it."""
    await ui.start_config_flow(re.compile(r"^Upload receiver"))
    await audit.check(ui, "receiver: add", ui.dialog.get_by_label("FTP port", exact=True))
    await ui.fill("FTP port", str(ftp_port))
    await ui.submit()
    await ui.dialog.get_by_role("button", name="Finish").click()

    await ui.open_integration_page()
    await ui.entry_menu(RECEIVER_TITLE, "Add camera")
    await audit.check(ui, "camera: add", ui.dialog.get_by_label("Name", exact=True))
    await ui.fill("Name", CAMERA_NAME)
    await ui.submit()
    # The login follows: on a step of its own, or on the page that says the camera was added.
    await audit.check(ui, "camera: login", ui.dialog.get_by_text("Password").first)
    shown = await ui.dialog_text()
    username = re.search(r"User name:?\s*([A-Za-z0-9_.-]+)", shown)
    password = re.search(r"Password:?\s*([A-Za-z0-9_-]{8,})", shown)
    assert username, f"the camera's user name is not shown: {shown}"
    assert password, f"the camera's password is not shown: {shown}"
    await _finish(ui)
    return CameraLogin(host=LOOPBACK, ftp_port=ftp_port, username=username[1], password=password[1])


async def _finish(ui: Frontend) -> None:
    """Submit a step that only shows something (if there is one), then Finish."""
    finish = ui.dialog.get_by_role("button", name="Finish")
    if not await finish.count():  # the step has settled (FormAudit.check waited for it)
        await ui.submit()
    await finish.click()
    await finish.wait_for(state="detached")


async def camera_entity_id(
    home_assistant: HomeAssistantProcess, session: aiohttp.ClientSession
) -> str:
    """The one camupload camera entity, from the entity registry."""
    entities = await home_assistant.websocket(session, {"type": "config/entity_registry/list"})
    cameras = [
        entity["entity_id"]
        for entity in entities
        if entity["platform"] == "camupload" and entity["entity_id"].startswith("camera.")
    ]
    assert len(cameras) == 1, f"one camupload camera expected, found {cameras}"
    return str(cameras[0])


async def _fill_server_form(ui: Frontend, login: CameraLogin, password: str) -> None:
    await ui.fill("Server", login.host)
    await ui.fill("Port", str(login.ftp_port))
    await ui.fill("User name", login.username)
    await ui.fill("Password", password)


async def add_server(ui: Frontend, audit: FormAudit, login: CameraLogin) -> str:
    """Add an FTP upload server that logs in with login; returns the entry's title."""
    await ui.start_config_flow(re.compile(r"^Upload server"))
    await audit.check(ui, "server: add", ui.dialog.get_by_label("Server", exact=True))
    # A refused login first: its error quotes the server, and must render as well.
    await _fill_server_form(ui, login, "not-the-password")
    await ui.submit()
    await audit.check(ui, "server: add, login refused", ui.dialog.locator("ha-alert"))
    await _fill_server_form(ui, login, login.password)
    await ui.submit()
    await ui.dialog.get_by_role("button", name="Finish").click()
    return f"{login.username}@{login.host}"


async def add_profile(
    ui: Frontend, audit: FormAudit, server_title: str, receiver: Receiver
) -> None:
    """Add a profile to the server, uploading the receiver's camera with default names."""
    await ui.open_integration_page()
    await ui.entry_menu(server_title, "Add upload profile")
    await audit.check(ui, "profile: add", ui.dialog.get_by_label("Name", exact=True))
    await ui.fill("Name", PROFILE_NAME)
    await ui.choose_entity("Source camera", receiver.camera_entity_id, CAMERA_NAME)
    await ui.submit()
    await ui.dialog.get_by_role("button", name="Finish").click()
