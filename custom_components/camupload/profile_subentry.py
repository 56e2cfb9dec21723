"""Upload profile subentries of a server: the MOBOTIX "FTP Profiles" dialog, one profile each."""

import contextlib
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util

from .const import (
    CONF_CAMERA,
    CONF_DELETE_BEFORE_RENAME,
    CONF_DIRECTORY,
    CONF_EVENT_DIRECTORY,
    CONF_FILE_NAME,
    CONF_FILE_TYPE,
    CONF_FRAME_RATE,
    CONF_IMAGE_HEIGHT,
    CONF_IMAGE_QUALITY,
    CONF_IMAGE_WIDTH,
    CONF_INTERVAL,
    CONF_OVERLAY,
    CONF_OVERRIDE_HOST,
    CONF_OVERRIDE_MODE,
    CONF_OVERRIDE_PASSWORD,
    CONF_OVERRIDE_PORT,
    CONF_OVERRIDE_USERNAME,
    CONF_PROFILE_NAME,
    CONF_PROFILE_NUMBER,
    CONF_SCHEDULE,
    CONF_SECONDS_AFTER,
    CONF_SECONDS_BEFORE,
    CONF_STREAMING,
    CONF_TEMPORARY_NAME,
    DOMAIN,
    MAX_FRAME_RATE,
    MAX_INTERVAL,
    MAX_SECONDS_AROUND_EVENT,
    MIN_INTERVAL,
    SUBENTRY_PROFILE,
    FileType,
    Schedule,
    TransferMode,
)
from .profile_naming import (
    NameTemplateError,
    check_name_template,
    render_remote_file,
    run_time_placeholders,
)
from .upload_settings import PROFILE_DEFAULTS, ProfileSettings
from .uploader.imaging import MAX_QUALITY, MIN_QUALITY
from .uploader.templates import NamingContext

_TEXT = selector.TextSelector()
_SWITCH = selector.BooleanSelector()


def _number(low: float, high: float, step: float = 1, unit: str = "") -> vol.All:
    config = selector.NumberSelectorConfig(
        min=low, max=high, step=step, mode=selector.NumberSelectorMode.BOX
    )
    if unit:
        config["unit_of_measurement"] = unit
    return vol.All(selector.NumberSelector(config), vol.Coerce(float))


def _choice(key: str, options: list[str]) -> selector.SelectSelector:
    return selector.SelectSelector(
        selector.SelectSelectorConfig(options=options, translation_key=key)
    )


def profile_schema(current: Mapping[str, Any]) -> vol.Schema:
    """The profile form, filled with current values (override password never shown)."""
    values = {**PROFILE_DEFAULTS, **current}

    def req(key: str) -> vol.Required:
        return vol.Required(key, default=values.get(key))

    def opt(key: str) -> vol.Optional:
        return vol.Optional(key, default=values.get(key, ""))

    return vol.Schema(
        {
            vol.Required(CONF_PROFILE_NAME, default=values.get(CONF_PROFILE_NAME, "")): _TEXT,
            vol.Required(
                CONF_CAMERA, default=values.get(CONF_CAMERA) or vol.UNDEFINED
            ): selector.EntitySelector(selector.EntitySelectorConfig(domain="camera")),
            req(CONF_DIRECTORY): _TEXT,
            req(CONF_FILE_NAME): _TEXT,
            req(CONF_FILE_TYPE): _choice(CONF_FILE_TYPE, [t.value for t in FileType]),
            req(CONF_IMAGE_WIDTH): _number(0, 10000, unit="px"),
            req(CONF_IMAGE_HEIGHT): _number(0, 10000, unit="px"),
            req(CONF_IMAGE_QUALITY): _number(MIN_QUALITY, MAX_QUALITY),
            req(CONF_OVERLAY): _SWITCH,
            req(CONF_FRAME_RATE): _number(0.1, MAX_FRAME_RATE, 0.1, "fps"),
            req(CONF_SECONDS_BEFORE): _number(0, MAX_SECONDS_AROUND_EVENT, 0.5, "s"),
            req(CONF_SECONDS_AFTER): _number(0, MAX_SECONDS_AROUND_EVENT, 0.5, "s"),
            req(CONF_TEMPORARY_NAME): _SWITCH,
            req(CONF_DELETE_BEFORE_RENAME): _SWITCH,
            req(CONF_EVENT_DIRECTORY): _SWITCH,
            opt(CONF_OVERRIDE_HOST): _TEXT,
            req(CONF_OVERRIDE_PORT): _number(0, 65535),
            opt(CONF_OVERRIDE_USERNAME): _TEXT,
            vol.Optional(CONF_OVERRIDE_PASSWORD, default=""): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
            ),
            req(CONF_OVERRIDE_MODE): _choice(CONF_OVERRIDE_MODE, [m.value for m in TransferMode]),
            req(CONF_SCHEDULE): _choice(CONF_SCHEDULE, [s.value for s in Schedule]),
            req(CONF_INTERVAL): _number(MIN_INTERVAL, MAX_INTERVAL, unit="s"),
            req(CONF_STREAMING): _SWITCH,
        }
    )


def preview_destination(hass: HomeAssistant, settings: ProfileSettings, event: int = 0) -> str:
    """The path the next upload of these settings would get, as MOBOTIX's "Current Destination".

    Run-time variables ($(USER.*)) are shown as they are written.
    """
    state = hass.states.get(settings.camera)
    camera_name = str(state.name) if state is not None else (settings.camera or "camera")
    context = NamingContext(
        camera_name=camera_name, when=dt_util.now(), event=event, profile_name=settings.name
    )
    profile = settings.profile
    extra = run_time_placeholders(profile.directory, profile.file_name)
    return render_remote_file(hass, profile, context, extra).path


class ProfileSubentryFlow(ConfigSubentryFlow):
    """Add or change one upload profile of a server."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a profile."""
        return await self._async_form("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a profile; an empty override password keeps the current one.

        Clearing the override user name clears the override password too.
        """
        subentry = self._get_reconfigure_subentry()
        current = {**subentry.data, CONF_PROFILE_NAME: subentry.title}
        return await self._async_form("reconfigure", user_input, current)

    def _name_taken(self, name: str) -> bool:
        """Tell whether another profile, of any server, has this name (actions target names)."""
        editing = None
        if self.source == SOURCE_RECONFIGURE:
            editing = self._get_reconfigure_subentry().subentry_id
        wanted = name.casefold()
        return any(
            sub.title.casefold() == wanted and sub.subentry_id != editing
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            for sub in entry.subentries.values()
            if sub.subentry_type == SUBENTRY_PROFILE
        )

    def _next_number(self) -> int:
        numbers = [
            int(sub.data.get(CONF_PROFILE_NUMBER, 0))
            for sub in self._get_entry().subentries.values()
            if sub.subentry_type == SUBENTRY_PROFILE
        ]
        return max(numbers, default=0) + 1

    async def _async_form(
        self, step_id: str, user_input: dict[str, Any] | None, current: Mapping[str, Any]
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        placeholders = {"destination": "", "variable": "", "error": ""}
        shown: Mapping[str, Any] = current
        if user_input is not None:
            data = {**PROFILE_DEFAULTS, **user_input}
            name = str(data.pop(CONF_PROFILE_NAME)).strip()
            cleared_user = bool(current.get(CONF_OVERRIDE_USERNAME)) and not data.get(
                CONF_OVERRIDE_USERNAME
            )
            if not data[CONF_OVERRIDE_PASSWORD] and not cleared_user:
                # Empty keeps the override password (it is never shown); clearing the
                # override user clears it too.
                data[CONF_OVERRIDE_PASSWORD] = current.get(CONF_OVERRIDE_PASSWORD, "")
            data[CONF_PROFILE_NUMBER] = current.get(CONF_PROFILE_NUMBER) or self._next_number()
            shown = {**data, CONF_PROFILE_NAME: name}
            errors = self._check(name, data, placeholders)
            if not errors:
                if step_id == "user":
                    return self.async_create_entry(title=name, data=data)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), title=name, data=data
                )
        settings = ProfileSettings.from_data(shown.get(CONF_PROFILE_NAME, ""), shown)
        with contextlib.suppress(NameTemplateError):  # the error itself is shown instead
            placeholders["destination"] = preview_destination(self.hass, settings)
        return self.async_show_form(
            step_id=step_id,
            data_schema=profile_schema(shown),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _check(
        self, name: str, data: Mapping[str, Any], placeholders: dict[str, str]
    ) -> dict[str, str]:
        if not name:
            return {CONF_PROFILE_NAME: "name_required"}
        if self._name_taken(name):
            placeholders["error"] = name
            return {CONF_PROFILE_NAME: "name_taken"}
        for key in (CONF_DIRECTORY, CONF_FILE_NAME):
            try:
                check_name_template(self.hass, data[key])
            except NameTemplateError as err:
                placeholders["variable"] = err.variable
                placeholders["error"] = err.detail
                return {key: err.key}
        try:
            placeholders["destination"] = preview_destination(
                self.hass, ProfileSettings.from_data(name, data)
            )
        except NameTemplateError as err:
            placeholders["error"] = err.detail
            return {CONF_FILE_NAME: err.key}
        return {}
