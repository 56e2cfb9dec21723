"""Typed runtime data each kind of camupload config entry carries while loaded."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .const import Protocol


@dataclass(kw_only=True)
class ReceiverRuntimeData:
    """What a loaded "Upload receiver" entry holds."""

    ftp_port: int


@dataclass(kw_only=True)
class ServerRuntimeData:
    """What a loaded "Upload server" entry holds."""

    protocol: Protocol
    host: str
    port: int


type CamuploadConfigEntry = ConfigEntry[ReceiverRuntimeData | ServerRuntimeData]
