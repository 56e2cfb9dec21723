"""Per upload profile: the switch of its scheduled uploads."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .profile_entities import ScheduleSwitch, add_profile_entities
from .runtime import CamuploadConfigEntry, uploader_hub

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the schedule switch of every profile of an upload server."""
    del hass
    if (hub := uploader_hub(entry)) is not None:
        add_profile_entities(hub, async_add_entities, lambda runner: [ScheduleSwitch(runner)])
