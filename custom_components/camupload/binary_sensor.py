"""Per receiver camera: online while frames arrive; per streaming profile: connection open."""

from datetime import timedelta

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_ONLINE_WINDOW
from .entity import ProfileEntity, ReceiverCameraEntity, add_camera_entities, add_profile_entities
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .runtime import CamuploadConfigEntry, receiver_hub, uploader_hub
from .uploader_ha.runner import ProfileRunner

# Push entities: Home Assistant never polls them.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a connectivity sensor for every receiver camera, or streaming profile."""
    del hass
    if (uploader := uploader_hub(entry)) is not None:
        add_profile_entities(
            uploader,
            async_add_entities,
            lambda runner: [StreamingConnectivity(runner)] if runner.streaming else [],
        )
    if (hub := receiver_hub(entry)) is not None:
        add_camera_entities(
            hub, async_add_entities, lambda camera: [CameraConnectivity(hub=hub, camera=camera)]
        )


class CameraConnectivity(ReceiverCameraEntity, BinarySensorEntity):
    """On while the camera has uploaded within the online window."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, *, hub: ReceiverHub, camera: ReceiverCamera) -> None:
        """Watch camera's uploads."""
        super().__init__(hub=hub, camera=camera, key="connectivity")
        self._window = timedelta(seconds=hub.options[CONF_ONLINE_WINDOW])

    @property
    def is_on(self) -> bool:
        """Whether the last frame is recent enough."""
        return self.window_left(self._window) is not None

    def state_expires_in(self) -> timedelta | None:
        """Until the camera goes offline."""
        return self.window_left(self._window)


class StreamingConnectivity(ProfileEntity, BinarySensorEntity):
    """On while the profile's streaming FTP connection is open (it closes after idling)."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_should_poll = True  # the connection closes by itself when idle

    def __init__(self, runner: ProfileRunner) -> None:
        """Watch runner's streaming connection."""
        super().__init__(runner, "streaming_connection")

    @property
    def is_on(self) -> bool:
        """Whether the connection is open now."""
        return self.runner.connected
