"""Diagnostics for camupload entries, with passwords redacted."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .const import CONF_OVERRIDE_PASSWORD
from .runtime import CamuploadConfigEntry, ReceiverRuntimeData, uploader_hub

TO_REDACT = {CONF_PASSWORD, CONF_OVERRIDE_PASSWORD}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: CamuploadConfigEntry
) -> dict[str, Any]:
    """The entry, its subentries and, for the receiver, live statistics."""
    del hass
    data: dict[str, Any] = {"entry": async_redact_data(entry.as_dict(), TO_REDACT)}
    runtime = entry.runtime_data
    if isinstance(runtime, ReceiverRuntimeData):
        hub = runtime.hub
        data["receiver"] = {
            "ports": sorted(hub.bound_ports()),
            "accounts": {
                username: asdict(stats) for username, stats in hub.receiver.all_stats().items()
            },
            "feeds": {
                hub.cameras[camera_id].username: {
                    "frames": feed.frames,
                    "frame_rate": feed.frame_rate(),
                    "viewers": feed.viewers,
                    "has_frame": feed.latest is not None,
                }
                for camera_id, feed in hub.feeds.items()
            },
        }
    if (uploader := uploader_hub(entry)) is not None:
        data["profiles"] = {
            runner.name: {
                "destination": runner.destination.url,
                "streaming": runner.streaming,
                "connected": runner.connected,
                "scheduled": runner.scheduled,
                "event_number": runner.event_number,
                "spool": asdict(runner.spool.stats),
                "last_upload": runner.status.last_upload,
                "last_destination": runner.status.last_destination,
                "last_path": runner.status.last_path,
                "last_error": runner.status.last_error,
                "uploads_today": runner.status.uploads_today,
            }
            for runner in uploader.runners.values()
        }
    return data
