"""What a person does in Home Assistant's frontend, as Playwright steps (they pierce shadow DOM)."""

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Locator, Page, ViewportSize

from tests.browser.home_assistant import REPOSITORY, HomeAssistantProcess

ARTIFACTS = REPOSITORY / ".browser-artifacts"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: no browser can be downloaded here
# Headless and quiet: without the networking switches Chromium keeps calling a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
STEP_TIMEOUT_MS = 5_000  # any single wait: a click, a field, the next form
PAGE_LOAD_TIMEOUT_MS = 15_000  # the first load of a panel fetches many chunks
SETTLE_INTERVAL = 0.3  # seconds a form must stay unchanged to count as rendered

INTEGRATION_NAME = "Camera Upload"
TRANSLATION_ERROR = "Translation error"
# Buttons that end a flow step: the frontend says Submit on forms, Finish after creating.
NEXT_BUTTON = re.compile(r"^(Submit|Finish)$")

# Every text under a node, shadow roots included (Playwright's inner_text stops at a shadow host).
DEEP_TEXT_JS = """
root => {
  const parts = [];
  const walk = node => {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(root);
  return parts.join(" ").replace(/\\s+/g, " ").trim();
}
"""


async def new_page(browser: Browser, home_assistant: HomeAssistantProcess) -> Page:
    """A page in a fresh browser context, logged in as the owner before the frontend loads."""
    context = await browser.new_context(viewport=VIEWPORT)
    storage = home_assistant.tokens.frontend_storage(home_assistant.url)
    await context.add_init_script(
        f"window.localStorage.setItem('hassTokens', {json.dumps(storage)});"
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_LOAD_TIMEOUT_MS)
    return await context.new_page()


def slug(text: str) -> str:
    """A file name for a test or form name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


async def save_screenshot(page: Page, name: str) -> Path:
    """Keep what the page shows as .browser-artifacts/NAME.png."""
    # Not screenshot(path=...): Playwright writes that file in the loop's default executor,
    # which the Home Assistant plugin shuts down after every test.
    png = await page.screenshot()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{slug(name)}.png"
    path.write_bytes(png)
    return path


class Frontend:
    """Settings pages and dialogs of one logged-in page."""

    def __init__(self, page: Page, url: str) -> None:
        """Drive page, which shows the Home Assistant at url."""
        self.page = page
        self.url = url

    @property
    def dialog(self) -> Locator:
        """The open config, options or subentry flow dialog."""
        return self.page.locator("dialog-data-entry-flow")

    async def open_integration_page(self) -> None:
        """Settings > Devices & services > Camera Upload."""
        await self.page.goto(f"{self.url}/config/integrations/integration/camupload")
        await self.page.locator("ha-config-entry-row").first.wait_for(timeout=PAGE_LOAD_TIMEOUT_MS)

    async def start_config_flow(self, menu_option: re.Pattern[str]) -> None:
        """Settings > Devices & services > Add integration > Camera Upload > menu_option."""
        await self.page.goto(f"{self.url}/config/integrations/dashboard")
        await self.page.get_by_role("button", name="Add integration").click(
            timeout=PAGE_LOAD_TIMEOUT_MS
        )
        brands = self.page.locator("dialog-add-integration")
        await brands.get_by_role("textbox", name="Search for a brand name").fill(INTEGRATION_NAME)
        await brands.get_by_text(INTEGRATION_NAME, exact=True).click()
        await self.dialog.get_by_text(menu_option).click()

    def entry_row(self, title: str) -> Locator:
        """The row of the config entry called title on the integration page."""
        return self.page.locator("ha-config-entry-row").filter(
            has=self.page.get_by_text(title, exact=True)
        )

    def subentry_row(self, title: str) -> Locator:
        """The row of the subentry (camera, profile) called title on the integration page."""
        return self.page.locator("ha-config-sub-entry-row").filter(
            has=self.page.get_by_text(title, exact=True)
        )

    async def entry_menu(self, entry_title: str, item: str) -> None:
        """Choose item from the ⋮ menu of the entry called entry_title."""
        # The entry's own menu comes first; its subentries' menus follow it in the row.
        await self.entry_row(entry_title).get_by_role("button", name="Menu").first.click()
        await self.page.get_by_role("menuitem", name=item).click()

    async def configure_entry(self, entry_title: str) -> None:
        """The gear of the entry called entry_title: its options."""
        row = self.entry_row(entry_title)
        await row.get_by_role("button", name="Configure").first.click()

    async def configure_subentry(self, title: str) -> None:
        """The gear of the subentry called title: its reconfigure flow."""
        await self.subentry_row(title).get_by_role("button", name="Configure").first.click()

    async def fill(self, label: str, value: str) -> None:
        """Type value into the form field labelled label."""
        await self.dialog.get_by_label(label, exact=True).fill(value)

    async def choose_entity(self, label: str, entity_id: str, name: str) -> None:
        """Pick entity_id (listed by its name) in the entity field labelled label."""
        picker = self.dialog.locator("ha-selector-entity").filter(
            has=self.page.get_by_text(label, exact=True)
        )
        await picker.locator("ha-entity-picker").click()
        await self.search(entity_id)
        await picker.get_by_text(name, exact=True).click()

    async def search(self, text: str) -> None:
        """Type text into the search field of the picker that was just opened."""
        # Into the field, not the keyboard: a key pressed before it has focus opens the
        # frontend's command palette.
        await self.page.get_by_label("Search", exact=True).filter(visible=True).fill(text)

    async def submit(self) -> None:
        """Press the step's Submit (or Finish) button."""
        await self.dialog.get_by_role("button", name=NEXT_BUTTON).click()

    async def close_dialog(self) -> None:
        """Close the flow dialog with ✕ (which ends its flow) and wait until it is gone."""
        close = self.dialog.get_by_role("button", name="Close").first
        await close.click()
        await close.wait_for(state="hidden")

    async def dialog_text(self) -> str:
        """Everything the flow dialog shows, as one line of text."""
        text: str = await self.dialog.evaluate(DEEP_TEXT_JS)
        return text

    async def expand_sections(self, scope: Locator) -> None:
        """Open every collapsed section in scope, so that its fields and texts render too."""
        collapsed = scope.locator('ha-expansion-panel #summary[aria-expanded="false"]').filter(
            visible=True
        )
        for _ in range(20):  # an opened section may hold more; bounded all the same
            # Handles, not nth() locators: an opened section no longer matches the selector.
            sections = await collapsed.element_handles()
            if not sections:
                return
            for summary in sections:
                await summary.click()
                await self.page.wait_for_function(
                    "summary => summary.getAttribute('aria-expanded') === 'true'", arg=summary
                )
        msg = "sections keep appearing collapsed"
        raise AssertionError(msg)

    async def wait_until_settled(self, scope: Locator) -> None:
        """Wait until what scope shows stops changing: descriptions render after the fields."""
        deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
        shown = await scope.evaluate(DEEP_TEXT_JS)
        while time.monotonic() < deadline:
            await asyncio.sleep(SETTLE_INTERVAL)
            now = await scope.evaluate(DEEP_TEXT_JS)
            if now == shown:
                return
            shown = now
        msg = f"the page kept changing for {STEP_TIMEOUT_MS} ms"
        raise AssertionError(msg)

    async def translation_errors(self) -> list[str]:
        """Texts the frontend shows instead of a message it cannot parse."""
        return await self.page.get_by_text(TRANSLATION_ERROR).all_inner_texts()


@dataclass
class FormAudit:
    """Each form's texts as the frontend renders them: which showed "Translation error"."""

    checked: list[str] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=dict)

    async def check(
        self, frontend: Frontend, form: str, ready: Locator, scope: Locator | None = None
    ) -> None:
        """Note any translation error once ready is visible and scope's sections are open.

        scope is the flow dialog unless given; errors count anywhere on the page.
        """
        scope = frontend.dialog if scope is None else scope
        await ready.wait_for()
        await frontend.expand_sections(scope)
        await frontend.wait_until_settled(scope)
        self.checked.append(form)
        if errors := await frontend.translation_errors():
            self.failures[form] = errors
            await save_screenshot(frontend.page, f"translation-error {form}")

    def failed(self, prefix: str = "") -> dict[str, list[str]]:
        """The failures of the forms whose names start with prefix."""
        return {form: e for form, e in self.failures.items() if form.startswith(prefix)}

    def report(self, prefix: str = "") -> str:
        """The failures of those forms, one a line, for an assertion message."""
        return "\n".join(
            f"{form}: {' | '.join(errors)}" for form, errors in self.failed(prefix).items()
        )
