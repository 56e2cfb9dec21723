"""A real Home Assistant and Chromium for the browser tests, and what they build through the UI.

Everything here lives as long as the package's tests: one Home Assistant process (onboarded
over REST), one browser, one receiver with one camera and one upload server with one profile,
each added through the frontend the first time a test needs it.
"""

import os
import shutil
from collections.abc import AsyncIterator, Generator

import aiohttp
import pytest
import pytest_asyncio
import pytest_socket  # type: ignore[import-untyped]

pytest.importorskip(
    "playwright.async_api",
    reason="Playwright is installed in the primary environment only (requirements_test.txt)",
)

from playwright.async_api import Browser, Page, async_playwright

from tests.browser.frontend import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    FormAudit,
    Frontend,
    new_page,
    save_screenshot,
)
from tests.browser.home_assistant import HomeAssistantError, HomeAssistantProcess
from tests.browser.ui_setup import (
    PROFILE_NAME,
    Receiver,
    UploadServer,
    add_profile,
    add_receiver_and_camera,
    add_server,
    camera_entity_id,
)
from tests.ports import free_port

PACKAGE = "tests/browser/"
# CAMUPLOAD_SCREENSHOTS=1 keeps every test's last screen, not only a failed one's.
KEEP_ALL_SCREENSHOTS = os.environ.get("CAMUPLOAD_SCREENSHOTS") == "1"
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Allow loopback sockets in the browser tests (the plugin blocks them per test)."""
    for item in items:
        if PACKAGE in item.path.as_posix():
            item.add_marker(pytest.mark.enable_socket)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, for the screenshot taken when a test failed."""
    del call
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    if report.failed and PACKAGE in item.path.as_posix():
        item.session.stash[FAILED] = True
    return report


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No in-process Home Assistant here: camupload runs in the real one these tests start."""


@pytest.fixture(autouse=True)
def _loopback(socket_enabled: None) -> None:
    """Every browser test talks to Home Assistant and the receiver on loopback."""
    del socket_enabled


def _allow_loopback_sockets() -> None:
    """Let a package fixture open sockets while it is set up.

    The Home Assistant plugin blocks sockets at every test's setup, before fixtures run, and the
    function-scoped socket_enabled comes after package fixtures. Connections stay limited to
    127.0.0.1 (the plugin's allow-list is kept).
    """
    pytest_socket.enable_socket()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def home_assistant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[HomeAssistantProcess]:
    """A real Home Assistant, onboarded, with camupload loaded from this tree."""
    _allow_loopback_sockets()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # artefacts describe the latest run only
    process = HomeAssistantProcess(tmp_path_factory.mktemp("home-assistant"), free_port())
    process.start()
    try:
        async with aiohttp.ClientSession() as session:
            await process.wait_until_up(session)
            await process.onboard(session)
            await _check_services(process, session)
        yield process
    finally:
        process.stop()
        if request.session.stash.get(FAILED, False):
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(process.config_dir / "home-assistant.log", ARTIFACTS)
    # The real instance ran every form and action: none may have touched a deprecated API.
    assert not process.deprecations(), "\n".join(process.deprecations())


async def _check_services(process: HomeAssistantProcess, session: aiohttp.ClientSession) -> None:
    """Fail early and clearly when the frontend would wait forever for the list of actions."""
    try:
        await process.websocket(session, {"type": "get_services"})
    except HomeAssistantError as err:
        msg = (
            f"Home Assistant cannot list its actions ({err}), so the frontend never loads. "
            "Listing them imports conversation, tts, ffmpeg and assist_pipeline: their "
            "requirements must be installed (scripts/setup)."
        )
        raise HomeAssistantError(msg) from err


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="package")
async def page(
    request: pytest.FixtureRequest, browser: Browser, home_assistant: HomeAssistantProcess
) -> AsyncIterator[Page]:
    """A logged-in page; a failed test leaves its screenshot in .browser-artifacts/."""
    opened = await new_page(browser, home_assistant)
    try:
        yield opened
    finally:
        reports = request.node.stash.get(REPORTS, {})
        if any(report.failed for report in reports.values()) or KEEP_ALL_SCREENSHOTS:
            await save_screenshot(opened, request.node.name)
        await opened.context.close()


@pytest.fixture
def frontend(page: Page, home_assistant: HomeAssistantProcess) -> Frontend:
    """The test's page as Home Assistant's settings pages and dialogs."""
    return Frontend(page, home_assistant.url)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def receiver(browser: Browser, home_assistant: HomeAssistantProcess) -> Receiver:
    """Add the receiver on a free FTP port, then a camera, through the frontend."""
    _allow_loopback_sockets()
    page_ = await new_page(browser, home_assistant)
    ui = Frontend(page_, home_assistant.url)
    audit = FormAudit()
    try:
        login = await add_receiver_and_camera(ui, audit, ftp_port=free_port())
        async with aiohttp.ClientSession() as session:
            entity_id = await camera_entity_id(home_assistant, session)
    except BaseException:
        await save_screenshot(page_, "fixture receiver")
        raise
    finally:
        await page_.context.close()
    return Receiver(login=login, camera_entity_id=entity_id, audit=audit)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def upload_server(
    browser: Browser, home_assistant: HomeAssistantProcess, receiver: Receiver
) -> UploadServer:
    """An upload server and a profile uploading the receiver's camera, added through the UI.

    The server is the receiver's own FTP port with the camera's login: its login check passes.
    """
    page_ = await new_page(browser, home_assistant)
    ui = Frontend(page_, home_assistant.url)
    audit = FormAudit()
    try:
        title = await add_server(ui, audit, receiver.login)
        await add_profile(ui, audit, title, receiver)
    except BaseException:
        await save_screenshot(page_, "fixture upload_server")
        raise
    finally:
        await page_.context.close()
    return UploadServer(title=title, profile=PROFILE_NAME, audit=audit)
