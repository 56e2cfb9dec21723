"""Config flow: choose between an upload receiver and an upload server."""

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.helpers import selector

from .const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_PASSIVE,
    CONF_PROTOCOL,
    DEFAULT_FTP_PORT,
    DEFAULT_PORTS,
    DOMAIN,
    RECEIVER_UNIQUE_ID,
    EntryKind,
    Protocol,
)

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
)

RECEIVER_SCHEMA = vol.Schema(
    {vol.Required(CONF_FTP_PORT, default=DEFAULT_FTP_PORT): PORT_SELECTOR},
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


class CamuploadConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds an "Upload receiver" or an "Upload server"."""

    VERSION = 1

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
        if user_input is None:
            return self.async_show_form(step_id=EntryKind.RECEIVER, data_schema=RECEIVER_SCHEMA)
        return self.async_create_entry(
            title="Upload receiver",
            data={CONF_ENTRY_KIND: EntryKind.RECEIVER},
            options={CONF_FTP_PORT: int(user_input[CONF_FTP_PORT])},
        )

    async def async_step_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
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
