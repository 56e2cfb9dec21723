"""Per upload profile: "Upload now" and "Test" buttons."""

from homeassistant.components import persistent_notification
from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import ProfileEntity, add_profile_entities
from .runtime import CamuploadConfigEntry, uploader_hub
from .uploader_ha.runner import ProfileRunner
from .uploader_ha.status import network_test_notification_id, network_test_report

PARALLEL_UPDATES = 1  # one press at a time per platform keeps the server's load predictable


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every profile of an upload server."""
    del hass
    if (hub := uploader_hub(entry)) is not None:
        add_profile_entities(
            hub,
            async_add_entities,
            lambda runner: [UploadNowButton(runner), NetworkTestButton(runner)],
        )


class UploadNowButton(ProfileEntity, ButtonEntity):
    """Uploads the profile's current image."""

    def __init__(self, runner: ProfileRunner) -> None:
        """Press to upload."""
        super().__init__(runner, "upload_now")

    async def async_press(self) -> None:
        """Upload now; failures are raised to the caller."""
        await self.runner.async_upload()


class NetworkTestButton(ProfileEntity, ButtonEntity):
    """Runs the network test and shows each step in a notification."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, runner: ProfileRunner) -> None:
        """Press to test."""
        super().__init__(runner, "network_test")

    async def async_press(self) -> None:
        """Run the test and notify its steps; a failed step also becomes the last error."""
        runner = self.runner
        log = await runner.async_network_test()
        title, message = network_test_report(runner.name, runner.destination.url, log)
        persistent_notification.async_create(
            self.hass,
            message,
            title=title,
            notification_id=network_test_notification_id(runner.subentry_id),
        )
