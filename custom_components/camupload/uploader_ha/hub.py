"""The "Upload server" entry's hub: one ProfileRunner per profile subentry."""

import asyncio
import shutil
from collections.abc import Iterable
from pathlib import Path

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

from custom_components.camupload.const import DOMAIN, SUBENTRY_PROFILE

from .runner import EVENTS_STORAGE_VERSION, ProfileRunner
from .settings import server_destination
from .status import (
    EVENTS_STORE_PREFIX,
    FAILING_ISSUE_PREFIX,
    events_store_key,
    failing_issue_id,
    network_test_notification_id,
    spool_directory,
)


async def async_remove_profile_data(hass: HomeAssistant, subentry_ids: Iterable[str]) -> None:
    """Delete what profiles left behind: issues, test notifications, spools, event numbers."""
    ids = list(subentry_ids)
    for subentry_id in ids:
        ir.async_delete_issue(hass, DOMAIN, failing_issue_id(subentry_id))
        persistent_notification.async_dismiss(hass, network_test_notification_id(subentry_id))

        await Store[dict[str, int]](
            hass, EVENTS_STORAGE_VERSION, events_store_key(subentry_id)
        ).async_remove()

    def remove_spools() -> None:
        for subentry_id in ids:
            shutil.rmtree(spool_directory(hass, subentry_id), ignore_errors=True)

    await hass.async_add_executor_job(remove_spools)


async def async_remove_stale_profile_data(hass: HomeAssistant) -> None:
    """Delete what profiles that no longer exist in any entry left behind."""
    known = {
        subentry_id
        for entry in hass.config_entries.async_entries(DOMAIN)
        for subentry_id in entry.subentries
    }
    spool_root = spool_directory(hass, "-").parent
    storage = Path(hass.config.path(".storage"))

    def on_disk() -> set[str]:
        found = {path.name for path in spool_root.iterdir()} if spool_root.is_dir() else set()
        found.update(
            path.name.removeprefix(EVENTS_STORE_PREFIX)
            for path in storage.glob(f"{EVENTS_STORE_PREFIX}*")
        )
        return found

    issues = {
        issue_id.removeprefix(FAILING_ISSUE_PREFIX)
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith(FAILING_ISSUE_PREFIX)
    }
    stale = (issues | await hass.async_add_executor_job(on_disk)) - known
    if stale:
        await async_remove_profile_data(hass, stale)


class UploaderHub:
    """Starts and stops the profiles of one server."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Prepare a runner for every profile subentry of entry."""
        self.hass = hass
        self.entry = entry
        self.destination = server_destination(entry.data)
        self.runners: dict[str, ProfileRunner] = {
            sub.subentry_id: ProfileRunner(hass, entry, sub, self.destination)
            for sub in entry.subentries.values()
            if sub.subentry_type == SUBENTRY_PROFILE
        }

    async def async_start(self) -> None:
        """Clean up after removed profiles, then start every profile: spools drain, buffers fill."""
        await async_remove_stale_profile_data(self.hass)
        await asyncio.gather(*(runner.async_start() for runner in self.runners.values()))

    async def async_stop(self) -> None:
        """Stop every profile; what is spooled stays on disk for the next start."""
        await asyncio.gather(*(runner.async_stop() for runner in self.runners.values()))
