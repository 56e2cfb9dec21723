"""The "Upload server" entry's hub: one ProfileRunner per profile subentry."""

import asyncio

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import SUBENTRY_PROFILE
from .profile_runner import ProfileRunner
from .upload_settings import server_destination


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
        """Start every profile: spools drain, buffers fill."""
        await asyncio.gather(*(runner.async_start() for runner in self.runners.values()))

    async def async_stop(self) -> None:
        """Stop every profile; what is spooled stays on disk for the next start."""
        await asyncio.gather(*(runner.async_stop() for runner in self.runners.values()))
