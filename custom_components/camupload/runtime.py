"""Typed runtime data each kind of camupload config entry carries while loaded."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .const import Protocol
from .receiver_hub import ReceiverHub


@dataclass(kw_only=True)
class ReceiverRuntimeData:
    """What a loaded "Upload receiver" entry holds."""

    hub: ReceiverHub


@dataclass(kw_only=True)
class ServerRuntimeData:
    """What a loaded "Upload server" entry holds."""

    protocol: Protocol
    host: str
    port: int


type CamuploadConfigEntry = ConfigEntry[ReceiverRuntimeData | ServerRuntimeData]


def receiver_hub(entry: CamuploadConfigEntry) -> ReceiverHub | None:
    """The hub of a receiver entry; None for an upload-server entry."""
    runtime = entry.runtime_data
    return runtime.hub if isinstance(runtime, ReceiverRuntimeData) else None
