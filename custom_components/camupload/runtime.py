"""Typed runtime data each kind of camupload config entry carries while loaded.

The hubs are named for type checkers only: a hub's own modules look entries up here (a
profile following a receiver camera finds its receiver's hub), so importing them at run time
would make a cycle.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .receiver_ha.hub import ReceiverHub
    from .uploader_ha.hub import UploaderHub


@dataclass(kw_only=True)
class ReceiverRuntimeData:
    """What a loaded "Upload receiver" entry holds."""

    hub: "ReceiverHub"


@dataclass(kw_only=True)
class ServerRuntimeData:
    """What a loaded "Upload server" entry holds."""

    hub: "UploaderHub"


type CamuploadConfigEntry = ConfigEntry[ReceiverRuntimeData | ServerRuntimeData]


def receiver_hub(entry: CamuploadConfigEntry) -> "ReceiverHub | None":
    """The hub of a receiver entry; None for an upload-server entry."""
    runtime = entry.runtime_data
    return runtime.hub if isinstance(runtime, ReceiverRuntimeData) else None


def uploader_hub(entry: CamuploadConfigEntry) -> "UploaderHub | None":
    """The hub of an upload-server entry; None for the receiver."""
    runtime = entry.runtime_data
    return runtime.hub if isinstance(runtime, ServerRuntimeData) else None
