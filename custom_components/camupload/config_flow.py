"""Config flow: choose between an upload receiver and an upload server."""

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers import selector

from . import receiver_options
from .camera_subentry import CameraSubentryFlow
from .const import (
    CONF_ENTRY_KIND,
    CONF_PASSIVE,
    CONF_PROTOCOL,
    DEFAULT_PORTS,
    DOMAIN,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
    EntryKind,
    Protocol,
)
from .runtime import receiver_hub

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
)

SERVER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PROTOCOL, default=Protocol.FTP): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=[p.value for p in Protocol], translation_key=CONF_PROTOCOL
            )
        ),
        vol.Required(CONF_HOST): selector.TextSelector(),
        vol.Optional(CONF_PORT): PORT_SELECTOR,
        vol.Optional(CONF_USERNAME, default=""): selector.TextSelector(),
        vol.Optional(CONF_PASSWORD, default=""): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        ),
        vol.Required(CONF_PASSIVE, default=True): selector.BooleanSelector(),
    }
)


def _receiver_ports(entry: ConfigEntry) -> set[int]:
    """Ports the loaded receiver holds itself (free again once it reloads)."""
    if entry.state is not ConfigEntryState.LOADED or (hub := receiver_hub(entry)) is None:
        return set()
    return hub.bound_ports()


class CamuploadConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds an "Upload receiver" or an "Upload server"."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Cameras belong to the receiver."""
        if config_entry.data.get(CONF_ENTRY_KIND) == EntryKind.RECEIVER:
            return {SUBENTRY_CAMERA: CameraSubentryFlow}
        return {}

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

    async def async_step_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a destination server with its global options."""
        if user_input is None:
            return self.async_show_form(step_id=EntryKind.SERVER, data_schema=SERVER_SCHEMA)
        protocol = Protocol(user_input[CONF_PROTOCOL])
        host = user_input[CONF_HOST].strip()
        port = int(user_input.get(CONF_PORT) or DEFAULT_PORTS[protocol])
        username = user_input[CONF_USERNAME]
        await self.async_set_unique_id(f"{protocol}://{username}@{host}:{port}")
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=f"{username}@{host}" if username else host,
            data={
                CONF_ENTRY_KIND: EntryKind.SERVER,
                CONF_PROTOCOL: protocol,
                CONF_HOST: host,
                CONF_PORT: port,
                CONF_USERNAME: username,
                CONF_PASSWORD: user_input[CONF_PASSWORD],
                CONF_PASSIVE: user_input[CONF_PASSIVE],
            },
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
