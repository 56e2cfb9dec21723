"""A profile's Test button: each step and the server's reply in a notification, against vsftpd."""

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.camupload.const import NO_ERROR
from custom_components.camupload.uploader_ha.runner import ProfileRunner
from custom_components.camupload.uploader_ha.status import network_test_notification_id
from tests.profile_setup import (
    ftp_answers,
    load_profile,
    profile_entity,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.uploader.servers import FtpServer, vsftpd

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

RENDER_MARKDOWN = Path(__file__).parent / "markdown" / "render_markdown.mjs"
# A welcome line full of Markdown and HTML a notification must show as plain text.
HOSTILE_BANNER = (
    "<b>Hi</b> <img src=x onerror=alert(1)> **bold** _em_ `code` [link](http://evil.example) "
    "http://bare.example &amp; | a | b | ~~gone~~ \\* # 1. {x}"
)


async def _notifications(hass: HomeAssistant, ws: WebSocketGenerator) -> list[dict[str, Any]]:
    """The persistent notifications as the frontend fetches them."""
    client = await ws(hass)
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    reply = await client.receive_json()
    assert reply["success"]
    notifications: list[dict[str, Any]] = reply["result"]
    return notifications


def _plain(markdown: str) -> str:
    """The message without its backslash escapes: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", markdown)


async def _press_test(hass: HomeAssistant, runner: ProfileRunner) -> None:
    button = profile_entity(hass, runner, "network_test", "button")
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)


async def test_test_button_shows_each_step_in_a_notification(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, vsftpd_server: FtpServer
) -> None:
    """Pass, fail, pass: one notification per profile, replaced by each test; Last error too."""
    assert await async_setup_component(hass, "persistent_notification", {})
    await setup_camera(hass)
    entry = server_entry(ftp_answers(vsftpd_server), profile_subentry(directory="incoming"))
    runner = await load_profile(hass, entry)
    last_error = profile_entity(hass, runner, "last_error", "sensor")
    notification_id = network_test_notification_id(runner.subentry_id)

    await _press_test(hass, runner)
    (passed,) = await _notifications(hass, hass_ws_client)
    assert passed["notification_id"] == notification_id
    assert passed["title"] == "Upload profile Yard: test passed"
    steps = [line for line in passed["message"].splitlines() if line.startswith("- ")]
    assert [step.split()[1] for step in steps] == ["**OK**"] * 7
    text = _plain(passed["message"])
    port = vsftpd_server.port
    for expected in (
        f"Destination: ftp://anonymous@127.0.0.1:{port}/",
        "resolve (",
        f"connect to 127.0.0.1:{port} (",
        "): 220 (vsFTPd 3.0.3)",  # what the server said
        "log in as anonymous",
        "directory /incoming",
        "store camupload-test.tmp (passive)",
        "rename to camupload-test.jpg",
        "delete camupload-test.jpg",
        "Every step passed.",
    ):
        assert expected in text
    assert hass.states.get(last_error).state == NO_ERROR  # type: ignore[union-attr]

    vsftpd_server.stop()
    await _press_test(hass, runner)
    (failed,) = await _notifications(hass, hass_ws_client)
    assert failed["notification_id"] == notification_id
    assert failed["title"] == "Upload profile Yard: test failed"
    text = _plain(failed["message"])
    assert f"- **FAILED** connect to 127.0.0.1:{port} (" in text
    assert "Connect call failed" in text
    state = hass.states.get(last_error)
    assert state is not None
    assert state.state.startswith(f"connect to 127.0.0.1:{port}: Cannot connect")

    vsftpd_server.start()
    await _press_test(hass, runner)
    (again,) = await _notifications(hass, hass_ws_client)
    assert again["title"] == "Upload profile Yard: test passed"
    assert hass.states.get(last_error).state == NO_ERROR  # type: ignore[union-attr]

    # Removing the profile removes its notification.
    assert hass.config_entries.async_remove_subentry(entry, runner.subentry_id)
    await hass.async_block_till_done()
    assert await _notifications(hass, hass_ws_client) == []


def _markdown_worker() -> Path:
    """The frontend's markdown worker, from the installed home-assistant-frontend."""
    hass_frontend = pytest.importorskip(
        "hass_frontend", reason="home-assistant-frontend is installed in .venv only"
    )
    (worker,) = Path(hass_frontend.where(), "frontend_latest").glob("markdown-worker.*.js")
    return worker


class _Page(HTMLParser):
    """The tags and the text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        del attrs
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def _add_banner(config: Path) -> None:
    """Give vsftpd (its config file) the hostile welcome line."""
    config.write_text(config.read_text() + f"ftpd_banner={HOSTILE_BANNER}\n")


async def _render(markdown: str) -> _Page:
    """Render markdown with the frontend's own renderer, as the notification drawer does."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(RENDER_MARKDOWN),
        str(_markdown_worker()),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    html, errors = await process.communicate(markdown.encode())
    assert process.returncode == 0, errors.decode()
    page = _Page()
    page.feed(html.decode())
    return page


async def test_renderer_check_sees_markup() -> None:
    """The rendering check is real: unescaped markup does become tags."""
    page = await _render("**bold** [link](http://evil.example) <b>x</b>")
    assert {"strong", "a", "b"} <= set(page.tags)


async def test_server_reply_shows_as_plain_text(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, tmp_path: Path
) -> None:
    """Markdown and HTML in a server's reply show literally, rendered as the frontend does."""
    server = vsftpd(tmp_path)
    await hass.async_add_executor_job(_add_banner, Path(server.command[1]))
    server.start()
    try:
        assert await async_setup_component(hass, "persistent_notification", {})
        await setup_camera(hass)
        entry = server_entry(ftp_answers(server), profile_subentry(directory="incoming"))
        runner = await load_profile(hass, entry)
        await _press_test(hass, runner)
    finally:
        server.stop()
    (notification,) = await _notifications(hass, hass_ws_client)

    page = await _render(notification["message"])
    assert f"220 {HOSTILE_BANNER}" in page.text
    # Only the message's own structure: a paragraph, the list of steps, OK in bold.
    assert set(page.tags) == {"p", "ul", "li", "strong"}
    assert page.tags.count("strong") == 7
