"""Upload servers, profiles and the actions as a newcomer meets them: every form renders."""

import pytest

from tests.browser.frontend import PAGE_LOAD_TIMEOUT_MS, FormAudit, Frontend
from tests.browser.ui_setup import UploadServer

pytestmark = pytest.mark.asyncio(loop_scope="package")

ACTIONS = ("camupload.upload_profile", "camupload.test_profile")


async def test_server_forms(upload_server: UploadServer, frontend: Frontend) -> None:
    """The server's add form (also after a refused login) and its reconfigure form render."""
    audit = upload_server.audit
    await frontend.open_integration_page()
    await frontend.entry_menu(upload_server.title, "Reconfigure")
    await audit.check(
        frontend, "server: reconfigure", frontend.dialog.get_by_label("Server", exact=True)
    )
    await frontend.close_dialog()
    assert {"server: add", "server: add, login refused", "server: reconfigure"} <= set(
        audit.checked
    )
    assert not audit.failed("server"), audit.report("server")


async def test_profile_forms(upload_server: UploadServer, frontend: Frontend) -> None:
    """The profile's add and reconfigure forms render, every section opened."""
    audit = upload_server.audit
    await frontend.open_integration_page()
    await frontend.configure_subentry(upload_server.profile)
    await audit.check(
        frontend, "profile: reconfigure", frontend.dialog.get_by_label("Name", exact=True)
    )
    await frontend.close_dialog()
    assert {"profile: add", "profile: reconfigure"} <= set(audit.checked)
    assert not audit.failed("profile"), audit.report("profile")


async def test_action_forms(frontend: Frontend) -> None:
    """Developer tools > Actions, UI mode: each camupload action's form renders its texts."""
    audit = FormAudit()
    page = frontend.page
    for action in ACTIONS:
        await page.goto(f"{frontend.url}/developer-tools/action")
        await page.locator("ha-service-picker").click(timeout=PAGE_LOAD_TIMEOUT_MS)
        await frontend.search(action)
        await page.get_by_text(action, exact=True).last.click()
        form = page.locator("ha-service-control")
        # The chosen action's id shows in its form once the picker closes.
        await audit.check(
            frontend, f"action: {action}", form.get_by_text(action, exact=True), scope=form
        )
    assert not audit.failures, audit.report()
