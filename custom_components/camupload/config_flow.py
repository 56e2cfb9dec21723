"""Config flow: choose between an upload receiver and an upload server."""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant, callback

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


def _receiver_form(current: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, Any]:
    """The receiver form's schema, errors and placeholders; a section with an error opens."""
    shown = receiver_options.form_errors(errors)
    return {
        "data_schema": receiver_options.receiver_schema(
            current, expand_advanced=receiver_options.SECTION_ADVANCED in shown
        ),
        "errors": shown,
        "description_placeholders": receiver_options.error_placeholders(current),
    }


def _misplaced(
    hass: HomeAssistant, entry: ConfigEntry, home: EntryKind, *, belongs: str, missing: str
) -> tuple[str, dict[str, str]] | None:
    """The abort reason and placeholders when a subentry flow runs on the wrong kind of entry.

    The integration page's top-level "Add camera" and "Add upload profile" buttons offer every
    entry of the domain, whatever it supports; a wrong pick must say where to go instead.
    """
    if entry.data.get(CONF_ENTRY_KIND) == home:
        return None
    homes = [
        other.title
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.data.get(CONF_ENTRY_KIND) == home
    ]
    if not homes:
        return missing, {}
    return belongs, {"entries": ", ".join(sorted(homes))}


class CameraFlow(CameraSubentryFlow):
    """The camera flow, which only the receiver runs; elsewhere it says where to add cameras."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a camera to the receiver, or say that cameras belong to it."""
        if misplaced := _misplaced(
            self.hass,
            self._get_entry(),
            EntryKind.RECEIVER,
            belongs="camera_belongs_to_receiver",
            missing="camera_needs_receiver",
        ):
            reason, placeholders = misplaced
            return self.async_abort(reason=reason, description_placeholders=placeholders)
        return await super().async_step_user(user_input)


class ProfileFlow(ProfileSubentryFlow):
    """The profile flow, which only servers run; elsewhere it says where to add profiles."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a profile to a server, or say that profiles belong to one."""
        if misplaced := _misplaced(
            self.hass,
            self._get_entry(),
            EntryKind.SERVER,
            belongs="profile_belongs_to_server",
            missing="profile_needs_server",
        ):
            reason, placeholders = misplaced
            return self.async_abort(reason=reason, description_placeholders=placeholders)
        return await super().async_step_user(user_input)


class CamuploadConfigFlow(ServerFlow, domain=DOMAIN):
    """Adds an "Upload receiver" or an "Upload server"."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Both kinds on every entry: a wrong pick ends in a message saying where it belongs.

        Otherwise a camera picked for a server (or a profile for the receiver) from the
        integration page's buttons ends in "Invalid handler specified". Home Assistant caches
        this answer per entry until a restart, so it cannot depend on which other entries exist.
        """
        del config_entry
        return {SUBENTRY_CAMERA: CameraFlow, SUBENTRY_PROFILE: ProfileFlow}

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
        return self.async_show_form(step_id=EntryKind.RECEIVER, **_receiver_form(current, errors))


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
        return self.async_show_form(step_id="init", **_receiver_form(current, errors))
