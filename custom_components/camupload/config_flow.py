"""Config flow: an upload receiver or an upload server, and every step of either entry.

The forms live with their half (receiver_ha/settings.py, uploader_ha/server_form.py); the
subentry flows (cameras, upload profiles) beside them.
"""

import logging
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector

from .const import (
    CONF_ENTRY_KIND,
    DOMAIN,
    ENTRY_VERSION,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
    SUBENTRY_PROFILE,
    EntryKind,
)
from .receiver_ha import port_check
from .receiver_ha import settings as receiver_settings
from .receiver_ha.camera_flow import CameraSubentryFlow
from .runtime import CamuploadConfigEntry, receiver_hub
from .uploader.errors import UploadError
from .uploader_ha.profile_flow import ProfileSubentryFlow
from .uploader_ha.server_form import (
    PASSWORD_SELECTOR,
    async_check_login,
    error_key,
    keeps_password,
    server_data,
    server_schema,
    server_title,
    server_unique_id,
    shown_values,
    typed_password,
)
from .uploader_ha.settings import server_destination

_LOGGER = logging.getLogger(__name__)

# The field of the profile flow's step that picks the upload server.
CONF_SERVER: Final = "server"


def _held_ports(entry: ConfigEntry) -> port_check.HeldPorts | None:
    """The ports the loaded receiver holds itself (free again once it reloads)."""
    if entry.state is not ConfigEntryState.LOADED or (hub := receiver_hub(entry)) is None:
        return None
    return port_check.HeldPorts(host=hub.receiver.config.host, ports=frozenset(hub.bound_ports()))


def _show_receiver_form(
    flow: ConfigFlow | OptionsFlow,
    step_id: str,
    form: receiver_settings.ReceiverForm,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
) -> ConfigFlowResult:
    """Show a receiver form filled with values; a section with an error opens."""
    shown = form.errors(errors)
    schema = form.schema(expand_advanced=receiver_settings.SECTION_ADVANCED in shown)
    return flow.async_show_form(
        step_id=step_id,
        data_schema=flow.add_suggested_values_to_schema(schema, form.suggested(values)),
        errors=shown,
        description_placeholders=receiver_settings.error_placeholders(values),
    )


async def _async_receiver_errors(
    hass: HomeAssistant, connection: Mapping[str, Any], held: port_check.HeldPorts | None
) -> dict[str, str]:
    """The form errors of connection settings: busy ports, foreign addresses, or unknown."""
    try:
        return await hass.async_add_executor_job(
            partial(port_check.validate, connection, held=held)
        )
    except Exception:
        _LOGGER.exception("Unexpected error while checking the receiver's settings")
        return {"base": "unknown"}


class _RedirectableFlow(ConfigSubentryFlow):
    """A subentry flow that, started on an entry of the wrong kind, saves on the right one.

    The integration page's "Add camera" and "Add upload profile" buttons offer every entry of
    the domain, whatever it supports; a wrong pick runs the same steps for the right entry.
    """

    _home_kind: EntryKind
    # The abort that ends a redirected flow, saying where the subentry went.
    _added_reason: str
    _home: ConfigEntry | None = None

    def _homes(self) -> list[ConfigEntry]:
        """The entries of the kind this subentry belongs to, by title."""
        return sorted(
            (
                entry
                for entry in self.hass.config_entries.async_entries(DOMAIN)
                if entry.data.get(CONF_ENTRY_KIND) == self._home_kind
            ),
            key=lambda entry: entry.title,
        )

    def _on_home(self) -> bool:
        """Whether the subentry's entry (the started-on one, or the chosen home) fits it."""
        return bool(self._get_entry().data.get(CONF_ENTRY_KIND) == self._home_kind)

    @callback
    def _get_entry(self) -> ConfigEntry:
        """The entry the subentry goes to: the chosen home, else the one the flow started on."""
        return self._home or super()._get_entry()

    @callback
    def async_create_entry(
        self,
        *,
        title: str | None = None,
        data: Mapping[str, Any],
        description: str | None = None,
        description_placeholders: Mapping[str, str] | None = None,
        unique_id: str | None = None,
    ) -> SubentryFlowResult:
        """Create the subentry; a redirected flow adds it to its home and says so.

        Home Assistant adds a created subentry to the entry the flow started on, so a
        redirected flow adds it itself and ends in an abort carrying the created text.
        """
        if self._home is None:
            return super().async_create_entry(
                title=title,
                data=data,
                description=description,
                description_placeholders=description_placeholders,
                unique_id=unique_id,
            )
        self.hass.config_entries.async_add_subentry(
            self._home,
            ConfigSubentry(
                data=MappingProxyType(dict(data)),
                subentry_type=self.handler[1],
                title=title or "",
                unique_id=unique_id,
            ),
        )
        return self.async_abort(
            reason=self._added_reason,
            description_placeholders={
                **(description_placeholders or {}),
                "name": title or "",
                "entry": self._home.title,
            },
        )


class CameraFlow(_RedirectableFlow, CameraSubentryFlow):
    """The camera flow; started on an upload server, it adds the camera to the receiver."""

    _home_kind = EntryKind.RECEIVER
    _added_reason = "camera_added_to_receiver"

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera to the receiver, whichever entry the flow was started on."""
        if not self._on_home():
            receivers = self._homes()
            if not receivers:
                return self.async_abort(reason="camera_needs_receiver")
            self._home = receivers[0]  # a Home Assistant runs one receiver
        return await super().async_step_user(user_input)


class ProfileFlow(_RedirectableFlow, ProfileSubentryFlow):
    """The profile flow; started on the receiver, it adds the profile to an upload server."""

    _home_kind = EntryKind.SERVER
    _added_reason = "profile_added_to_server"

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a profile to a server; started on the receiver, first find out which server."""
        if not self._on_home():
            servers = self._homes()
            if not servers:
                return self.async_abort(reason="profile_needs_server")
            if len(servers) > 1:
                return await self.async_step_server()
            self._home = servers[0]
        return await super().async_step_user(user_input)

    async def async_step_server(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask which upload server gets the profile (the flow was started on the receiver)."""
        servers = {entry.entry_id: entry for entry in self._homes()}
        if user_input is not None and (chosen := servers.get(user_input[CONF_SERVER])):
            self._home = chosen
            return await super().async_step_user()
        choices = [
            selector.SelectOptionDict(value=entry_id, label=entry.title)
            for entry_id, entry in servers.items()
        ]
        return self.async_show_form(
            step_id="server",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SERVER): selector.SelectSelector(
                        selector.SelectSelectorConfig(options=choices)
                    )
                }
            ),
        )


class CamuploadConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds an "Upload receiver" or an "Upload server"."""

    VERSION = ENTRY_VERSION
    MINOR_VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Both kinds on every entry: a wrong pick adds the subentry to the right entry.

        Otherwise a camera picked for a server (or a profile for the receiver) from the
        integration page's buttons ends in "Invalid handler specified". Home Assistant caches
        this answer per entry until a restart, so it cannot depend on which other entries exist.
        """
        del config_entry
        return {SUBENTRY_CAMERA: CameraFlow, SUBENTRY_PROFILE: ProfileFlow}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CamuploadConfigEntry) -> OptionsFlow:
        """The receiver's options: HTTP on Home Assistant's port, limits and the archive."""
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
        form = receiver_settings.ADD_FORM
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        if user_input is not None:
            values = form.values(user_input)
            connection, options = receiver_settings.split(values)
            errors = await _async_receiver_errors(self.hass, connection, held=None)
            if not errors:
                return self.async_create_entry(
                    title="Upload receiver",
                    data={CONF_ENTRY_KIND: EntryKind.RECEIVER, **connection},
                    options=options,
                )
        return _show_receiver_form(self, EntryKind.RECEIVER, form, values, errors)

    async def _async_login_errors(
        self, data: Mapping[str, Any], placeholders: dict[str, str]
    ) -> dict[str, str]:
        try:
            await async_check_login(self.hass, server_destination(data))
        except UploadError as err:
            _LOGGER.debug("Login check of %s failed: %s", data[CONF_HOST], err)
            placeholders["error"] = str(err)
            return {"base": error_key(err)}
        except Exception:
            _LOGGER.exception("Unexpected error while logging in to %s", data[CONF_HOST])
            return {"base": "unknown"}
        return {}

    async def async_step_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a destination server with its global options, once it lets us log in."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        current: Mapping[str, Any] = {}
        if user_input is not None:
            data = server_data(user_input)
            current = data
            await self.async_set_unique_id(server_unique_id(data))
            self._abort_if_unique_id_configured()
            errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_create_entry(title=server_title(data), data=data)
        return self._show_server_form(EntryKind.SERVER, current, user_input, errors, placeholders)

    def _show_server_form(
        self,
        step_id: str,
        current: Mapping[str, Any],
        user_input: Mapping[str, Any] | None,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        """The server form showing current values, and the password typed into user_input."""
        shown = shown_values(current, password=typed_password(user_input))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(server_schema(), shown),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a server's options; an empty password keeps the current one for the same login.

        The receiver's Reconfigure changes where cameras connect instead.
        """
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_ENTRY_KIND) == EntryKind.RECEIVER:
            return await self.async_step_reconfigure_receiver()
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        current: Mapping[str, Any] = entry.data
        if user_input is not None:
            data = server_data(user_input)
            if keeps_password(entry.data, data):
                data[CONF_PASSWORD] = data[CONF_PASSWORD] or entry.data.get(CONF_PASSWORD, "")
            current = data
            if (unique_id := server_unique_id(data)) != entry.unique_id:
                # Moved onto another server: that one must not be configured already.
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            if not data[CONF_PASSWORD] and entry.data.get(CONF_PASSWORD):
                errors = {CONF_PASSWORD: "password_needed"}
            else:
                errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, unique_id=server_unique_id(data), title=server_title(data), data=data
                )
        return self._show_server_form("reconfigure", current, user_input, errors, placeholders)

    async def async_step_reconfigure_receiver(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where cameras connect (ports, addresses); saving restarts the receiver."""
        entry = self._get_reconfigure_entry()
        form = receiver_settings.CONNECTION_FORM
        errors: dict[str, str] = {}
        values: Mapping[str, Any] = entry.data
        if user_input is not None:
            values = form.values(user_input)
            errors = await _async_receiver_errors(self.hass, values, held=_held_ports(entry))
            if not errors:
                changed = self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, **values}
                )
                if changed and entry.state is not ConfigEntryState.LOADED:
                    # A receiver waiting to retry (a port was taken) has no update listener.
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_abort(reason="receiver_reconfigured")
        return _show_receiver_form(self, "reconfigure_receiver", form, values, errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the password: ask for a new one."""
        del entry_data
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new password, then save it and reload."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"error": "", "server": entry.title}
        if user_input is not None:
            data = {**entry.data, CONF_PASSWORD: user_input.get(CONF_PASSWORD, "")}
            errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_PASSWORD, default=""): PASSWORD_SELECTOR}),
            errors=errors,
            description_placeholders=placeholders,
        )


class ReceiverOptionsFlow(OptionsFlow):
    """Change the receiver's options; saving reloads it (its Reconfigure changes its ports)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the receiver's options."""
        form = receiver_settings.OPTIONS_FORM
        if user_input is not None:
            return self.async_create_entry(data=form.values(user_input))
        return _show_receiver_form(self, "init", form, self.config_entry.options, {})
