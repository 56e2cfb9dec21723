"""Camera Upload: upload camera images to servers, and receive images that cameras push."""

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant

from .const import CONF_ENTRY_KIND, CONF_FTP_PORT, CONF_PROTOCOL, EntryKind, Protocol
from .runtime import CamuploadConfigEntry, ReceiverRuntimeData, ServerRuntimeData

PLATFORMS: dict[EntryKind, list[Platform]] = {
    EntryKind.RECEIVER: [],
    EntryKind.SERVER: [],
}


async def async_setup_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> bool:
    """Set up one receiver or upload-server entry."""
    kind = EntryKind(entry.data[CONF_ENTRY_KIND])
    if kind is EntryKind.RECEIVER:
        entry.runtime_data = ReceiverRuntimeData(ftp_port=entry.options[CONF_FTP_PORT])
    else:
        entry.runtime_data = ServerRuntimeData(
            protocol=Protocol(entry.data[CONF_PROTOCOL]),
            host=entry.data[CONF_HOST],
            port=entry.data[CONF_PORT],
        )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS[kind])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> bool:
    """Unload an entry and release what it holds."""
    kind = EntryKind(entry.data[CONF_ENTRY_KIND])
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS[kind])
