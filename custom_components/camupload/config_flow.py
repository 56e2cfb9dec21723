"""Config flow: choose between an upload receiver and an upload server."""

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.core import callback

from . import receiver_options
from .camera_subentry import CameraSubentryFlow
from .const import (
    CONF_ENTRY_KIND,
    DOMAIN,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
    SUBENTRY_PROFILE,
    EntryKind,
)
from .profile_subentry import ProfileSubentryFlow
from .runtime import receiver_hub
from .server_flow import ServerFlow


def _receiver_ports(entry: ConfigEntry) -> set[int]:
    """Ports the loaded receiver holds itself (free again once it reloads)."""
    if entry.state is not ConfigEntryState.LOADED or (hub := receiver_hub(entry)) is None:
        return set()
    return hub.bound_ports()


class CamuploadConfigFlow(ServerFlow, domain=DOMAIN):
    """Adds an "Upload receiver" or an "Upload server"."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras belong to the receiver, upload profiles to a server."""
        if config_entry.data.get(CONF_ENTRY_KIND) == EntryKind.RECEIVER:
            return {SUBENTRY_CAMERA: CameraSubentryFlow}
        return {SUBENTRY_PROFILE: ProfileSubentryFlow}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """The receiver's options: ports, HTTP, limits and archive."""
        del config_entry
        return ReceiverOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Only the receiver has options; a server is reconfigured."""
        return bool(config_entry.data.get(CONF_ENTRY_KIND) == EntryKind.RECEIVER)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of entry to add."""
        del user_input
        return self.async_show_menu(
            step_id="user", menu_options=[EntryKind.RECEIVER, EntryKind.SERVER]
        )

    async def async_step_receiver(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the one receiver this Home Assistant runs."""
        await self.async_set_unique_id(RECEIVER_UNIQUE_ID)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        current: dict[str, Any] = {}
        if user_input is not None:
            current = receiver_options.normalize(user_input)
            errors = await self.hass.async_add_executor_job(
                lambda: receiver_options.validate(current, ports_in_use_by_us=set())
            )
            if not errors:
                return self.async_create_entry(
                    title="Upload receiver",
                    data={CONF_ENTRY_KIND: EntryKind.RECEIVER},
                    options=current,
                )
        return self.async_show_form(
            step_id=EntryKind.RECEIVER,
            data_schema=receiver_options.receiver_schema(current),
            errors=errors,
        )


class ReceiverOptionsFlow(OptionsFlow):
    """Change the receiver's options; saving reloads it, which re-binds its ports."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and check the receiver's options."""
        errors: dict[str, str] = {}
        current: dict[str, Any] = dict(self.config_entry.options)
        if user_input is not None:
            current = receiver_options.normalize(user_input)
            ours = _receiver_ports(self.config_entry)
            errors = await self.hass.async_add_executor_job(
                lambda: receiver_options.validate(current, ports_in_use_by_us=ours)
            )
            if not errors:
                return self.async_create_entry(data=current)
        return self.async_show_form(
            step_id="init", data_schema=receiver_options.receiver_schema(current), errors=errors
        )
