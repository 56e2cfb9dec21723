"""Per upload profile: the switch of its scheduled uploads."""

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .entity import ProfileEntity, add_entry_entities
from .runtime import CamuploadConfigEntry
from .uploader_ha.runner import ProfileRunner

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ProfileSwitchDescription(SwitchEntityDescription):
    """A setting of a profile's runner: how to read it, turn it on and turn it off."""

    is_on_fn: Callable[[ProfileRunner], bool]
    turn_on_fn: Callable[[ProfileRunner], None]
    turn_off_fn: Callable[[ProfileRunner], None]


SWITCHES: tuple[ProfileSwitchDescription, ...] = (
    # While on, the profile uploads on its schedule (the MOBOTIX time task).
    ProfileSwitchDescription(
        key="scheduled_uploads",
        translation_key="scheduled_uploads",
        is_on_fn=lambda runner: runner.scheduled,
        turn_on_fn=lambda runner: runner.set_scheduled(enabled=True),
        turn_off_fn=lambda runner: runner.set_scheduled(enabled=False),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the schedule switch of every profile of an upload server."""
    del hass
    add_entry_entities(
        entry,
        async_add_entities,
        profile_entities=lambda runner: (
            ProfileSwitch(runner=runner, description=description) for description in SWITCHES
        ),
    )


class ProfileSwitch(ProfileEntity, SwitchEntity, RestoreEntity):
    """A profile's setting: back as it was after a restart, off once the entity is removed."""

    entity_description: ProfileSwitchDescription

    async def async_added_to_hass(self) -> None:
        """Come back as the switch was before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state == STATE_ON:
            self.entity_description.turn_on_fn(self.runner)
        self.async_on_remove(lambda: self.entity_description.turn_off_fn(self.runner))

    @property
    def is_on(self) -> bool:
        """Whether the setting is on."""
        return self.entity_description.is_on_fn(self.runner)

    async def async_turn_on(self, **kwargs: object) -> None:
        """Turn the setting on."""
        del kwargs
        self.entity_description.turn_on_fn(self.runner)
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: object) -> None:
        """Turn the setting off."""
        del kwargs
        self.entity_description.turn_off_fn(self.runner)
        self.async_write_ha_state()
