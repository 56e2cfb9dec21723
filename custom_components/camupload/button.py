"""Per upload profile: "Upload now" and "Test" buttons."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components import persistent_notification
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import ProfileEntity, add_entry_entities
from .runtime import CamuploadConfigEntry
from .uploader_ha.runner import ProfileRunner
from .uploader_ha.status import network_test_notification_id, network_test_report

PARALLEL_UPDATES = 1  # one press at a time per platform keeps the server's load predictable


@dataclass(frozen=True, kw_only=True)
class ProfileButtonDescription(ButtonEntityDescription):
    """What pressing a profile's button does; failures are raised to the caller."""

    press_fn: Callable[[HomeAssistant, ProfileRunner], Awaitable[object]]


async def _network_test(hass: HomeAssistant, runner: ProfileRunner) -> None:
    """Run the test and notify its steps; a failed step also becomes the last error."""
    log = await runner.async_network_test()
    title, message = network_test_report(runner.name, runner.destination.url, log)
    persistent_notification.async_create(
        hass,
        message,
        title=title,
        notification_id=network_test_notification_id(runner.subentry_id),
    )


BUTTONS: tuple[ProfileButtonDescription, ...] = (
    ProfileButtonDescription(
        key="upload_now",
        translation_key="upload_now",
        press_fn=lambda _hass, runner: runner.async_upload(),
    ),
    ProfileButtonDescription(
        key="network_test",
        translation_key="network_test",
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=_network_test,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every profile of an upload server."""
    del hass
    add_entry_entities(
        entry,
        async_add_entities,
        profile_entities=lambda runner: (
            ProfileButton(runner=runner, description=description) for description in BUTTONS
        ),
    )


class ProfileButton(ProfileEntity, ButtonEntity):
    """A button of a profile: upload now, or run the network test."""

    entity_description: ProfileButtonDescription

    async def async_press(self) -> None:
        """Do what the description says."""
        await self.entity_description.press_fn(self.hass, self.runner)
