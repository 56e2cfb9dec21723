"""Per upload profile: the switch of its scheduled uploads."""

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import ProfileEntity, add_profile_entities
from .runtime import CamuploadConfigEntry, uploader_hub
from .uploader_ha.runner import ProfileRunner

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


class ScheduleSwitch(ProfileEntity, SwitchEntity, RestoreEntity):
    """While on, the profile uploads on its schedule (the MOBOTIX time task)."""

    def __init__(self, runner: ProfileRunner) -> None:
        """Control runner's schedule."""
        super().__init__(runner, "scheduled_uploads")

    async def async_added_to_hass(self) -> None:
        """Come back as the switch was before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_ON:
            self.runner.set_scheduled(enabled=True)
        self.async_on_remove(lambda: self.runner.set_scheduled(enabled=False))

    @property
    def is_on(self) -> bool:
        """Whether the schedule runs."""
        return self.runner.scheduled

    async def async_turn_on(self, **kwargs: object) -> None:
        """Start the schedule."""
        del kwargs
        self.runner.set_scheduled(enabled=True)
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: object) -> None:
        """Stop the schedule."""
        del kwargs
        self.runner.set_scheduled(enabled=False)
        self.async_write_ha_state()
