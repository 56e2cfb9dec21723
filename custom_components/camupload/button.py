"""Per upload profile: "Upload now" and "Test" buttons."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .profile_entities import add_profile_entities, profile_buttons
from .runtime import CamuploadConfigEntry, uploader_hub

PARALLEL_UPDATES = 1  # one press at a time per platform keeps the server's load predictable


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every profile of an upload server."""
    del hass
    if (hub := uploader_hub(entry)) is not None:
        add_profile_entities(hub, async_add_entities, profile_buttons)
