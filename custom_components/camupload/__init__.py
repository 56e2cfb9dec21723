"""Camera Upload: upload camera images to servers, and receive images that cameras push."""

import logging
import shutil
from functools import partial

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_ENTRY_KIND, DOMAIN, ENTRY_VERSION, EntryKind
from .receiver import AccountError
from .receiver_ha.archive_setup import archive_writer
from .receiver_ha.hub import ReceiverHub, last_frames_folder
from .receiver_ha.settings import CONNECTION_KEYS, ReceiverSettings
from .receiver_ha.views import PhotoUploadView, StreamUploadView
from .runtime import CamuploadConfigEntry, ReceiverRuntimeData, ServerRuntimeData, receiver_hub
from .services import async_setup_services
from .uploader_ha.hub import UploaderHub, async_remove_profile_data

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: dict[EntryKind, list[Platform]] = {
    EntryKind.RECEIVER: [Platform.BINARY_SENSOR, Platform.CAMERA, Platform.SENSOR],
    EntryKind.SERVER: [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR, Platform.SWITCH],
}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register what lives as long as Home Assistant: HTTP upload paths and actions."""
    del config
    hass.http.register_view(PhotoUploadView(hass))
    hass.http.register_view(StreamUploadView(hass))
    async_setup_services(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> bool:
    """Bring an entry saved by an earlier version up to date; False for a later version's.

    2: a receiver's connection settings (ports, addresses) moved from its options to its
    data, where its Reconfigure step changes them. A major version, so that an older
    camupload refuses the entry rather than start the receiver on its default ports.
    """
    if entry.version > ENTRY_VERSION:
        return False
    if entry.version == 1:
        data, options = dict(entry.data), dict(entry.options)
        if data.get(CONF_ENTRY_KIND) == EntryKind.RECEIVER:
            # Options win: a 1.2 entry (the minor version that held them in data, briefly)
            # changed under an older version keeps what was set last.
            data |= {key: options.pop(key) for key in CONNECTION_KEYS if key in options}
        hass.config_entries.async_update_entry(
            entry, data=data, options=options, version=ENTRY_VERSION, minor_version=1
        )
        _LOGGER.debug("Migrated %s to version %s", entry.title, ENTRY_VERSION)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> bool:
    """Set up one receiver or upload-server entry."""
    kind = EntryKind(entry.data[CONF_ENTRY_KIND])
    if kind is EntryKind.RECEIVER:
        hub = ReceiverHub(
            hass, entry, saver=archive_writer(hass, ReceiverSettings.from_entry(entry))
        )
        await hub.async_start()
        entry.runtime_data = ReceiverRuntimeData(hub=hub)
        entry.async_on_unload(hub.async_stop)
        # Home Assistant does not unload entries when it stops: keep the last frames then too.
        entry.async_on_unload(
            hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, hub.async_handle_shutdown)
        )
    else:
        uploader = UploaderHub(hass, entry)
        await uploader.async_start()
        entry.runtime_data = ServerRuntimeData(hub=uploader)
        entry.async_on_unload(uploader.async_stop)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    if kind is EntryKind.RECEIVER:
        # A camera added or removed while the receiver was starting had no listener yet.
        await hub.async_apply_camera_changes()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS[kind])
    return True


async def async_remove_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> None:
    """Delete what a removed entry kept: a receiver's last frames, a server's profile data."""
    if entry.data[CONF_ENTRY_KIND] == EntryKind.RECEIVER:
        await hass.async_add_executor_job(
            partial(shutil.rmtree, last_frames_folder(hass), ignore_errors=True)
        )
    else:
        await async_remove_profile_data(hass, entry.subentries)


async def _async_entry_updated(hass: HomeAssistant, entry: CamuploadConfigEntry) -> None:
    """Apply a change: a receiver's cameras live, anything else through a reload.

    A reload would cut every camera's open upload and refuse uploads until it is done.
    Home Assistant calls this eagerly, so a camera's login works once its subentry is saved.
    """
    hub = receiver_hub(entry)
    if hub is not None and not hub.settings_changed():
        try:
            await hub.async_apply_camera_changes()
        except AccountError as err:  # the running logins are untouched; a restart takes them
            _LOGGER.warning("Camera logins cannot change live (%s); restarting the receiver", err)
        else:
            return
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: CamuploadConfigEntry) -> bool:
    """Unload an entry and release what it holds (the receiver's ports)."""
    kind = EntryKind(entry.data[CONF_ENTRY_KIND])
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS[kind])
