"""Upload profile subentries of a server: the MOBOTIX "FTP Profiles" dialog, one profile each."""

import logging
from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import (
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
    DEFAULT_INTERVAL,
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
from custom_components.camupload.uploader.imaging import MAX_QUALITY, MIN_QUALITY
from custom_components.camupload.uploader.templates import NamingContext

from .naming import (
    NameTemplateError,
    check_name_template,
    render_remote_file,
    run_time_placeholders,
)
from .settings import PROFILE_DEFAULTS, ProfileSettings

_LOGGER = logging.getLogger(__name__)

MAX_IMAGE_SIDE: Final = 10000  # pixels, for width and height

_TEXT = selector.TextSelector()
_SWITCH = selector.BooleanSelector()
_PASSWORD = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)

# The form's collapsible sections; the subentry's data stays flat (see flatten_sections).
SECTION_IMAGE: Final = "image"
SECTION_CLIP: Final = "clip"
SECTION_TRANSFER: Final = "transfer"
SECTION_OVERRIDES: Final = "overrides"
SECTION_SCHEDULE: Final = "scheduling"
PROFILE_SECTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    SECTION_IMAGE: (CONF_IMAGE_WIDTH, CONF_IMAGE_HEIGHT, CONF_IMAGE_QUALITY, CONF_OVERLAY),
    SECTION_CLIP: (CONF_FRAME_RATE, CONF_SECONDS_BEFORE, CONF_SECONDS_AFTER),
    SECTION_TRANSFER: (
        CONF_TEMPORARY_NAME,
        CONF_DELETE_BEFORE_RENAME,
        CONF_EVENT_DIRECTORY,
        CONF_STREAMING,
    ),
    SECTION_OVERRIDES: (
        CONF_OVERRIDE_HOST,
        CONF_OVERRIDE_PORT,
        CONF_OVERRIDE_USERNAME,
        CONF_OVERRIDE_PASSWORD,
        CONF_OVERRIDE_MODE,
    ),
    SECTION_SCHEDULE: (CONF_SCHEDULE, CONF_INTERVAL),
}

# Fields the form may leave empty, and what an empty one stores.
EMPTY_VALUES: Final[Mapping[str, Any]] = {
    CONF_DIRECTORY: "",  # the server's root
    CONF_IMAGE_WIDTH: 0,  # the camera's size
    CONF_IMAGE_HEIGHT: 0,
    CONF_OVERRIDE_HOST: "",  # overrides: the server's own
    CONF_OVERRIDE_PORT: 0,
    CONF_OVERRIDE_USERNAME: "",
    CONF_OVERRIDE_PASSWORD: "",
    CONF_INTERVAL: DEFAULT_INTERVAL,  # only "Every N seconds" uses it
}

# The fields above the sections.
_TOP_FIELDS: Final = (
    CONF_PROFILE_NAME,
    CONF_CAMERA,
    CONF_DIRECTORY,
    CONF_FILE_NAME,
    CONF_FILE_TYPE,
)

# Shown in the form's descriptions: "Current destination" when it renders, else a hint.
PREVIEW_SHOWN: Final = "shown"
PREVIEW_UNAVAILABLE: Final = "unavailable"


def _number(
    low: float,
    high: float,
    step: float = 1,
    unit: str = "",
    mode: selector.NumberSelectorMode = selector.NumberSelectorMode.BOX,
) -> vol.All:
    config = selector.NumberSelectorConfig(min=low, max=high, step=step, mode=mode)
    if unit:
        config["unit_of_measurement"] = unit
    return vol.All(selector.NumberSelector(config), vol.Coerce(float))


def _choice(key: str, options: list[str]) -> selector.SelectSelector:
    return selector.SelectSelector(
        selector.SelectSelectorConfig(options=options, translation_key=key)
    )


def _has_overrides(values: Mapping[str, Any]) -> bool:
    return any(
        values.get(key) != PROFILE_DEFAULTS[key] for key in PROFILE_SECTIONS[SECTION_OVERRIDES]
    )


def profile_schema(current: Mapping[str, Any]) -> vol.Schema:
    """The profile form in sections, with its defaults; shown_values() fills it.

    The current (flat) values decide which sections open.
    """
    values = {**PROFILE_DEFAULTS, **current}

    def req(key: str) -> vol.Required:
        return vol.Required(key, default=PROFILE_DEFAULTS[key])

    def opt(key: str) -> vol.Optional:
        # No default: a field the user empties is left out, and EMPTY_VALUES says what it means.
        return vol.Optional(key)

    def part(fields: dict[vol.Marker, Any], *, collapsed: bool) -> section:
        return section(vol.Schema(fields), {"collapsed": collapsed})

    image_type = FileType(values[CONF_FILE_TYPE]) is FileType.IMAGE
    transfer_default = all(
        values[key] == PROFILE_DEFAULTS[key] for key in PROFILE_SECTIONS[SECTION_TRANSFER]
    )
    return vol.Schema(
        {
            vol.Required(CONF_PROFILE_NAME, default=""): _TEXT,
            vol.Required(CONF_CAMERA): selector.EntitySelector(
                selector.EntitySelectorConfig(domain="camera")
            ),
            opt(CONF_DIRECTORY): _TEXT,
            req(CONF_FILE_NAME): _TEXT,
            req(CONF_FILE_TYPE): _choice(CONF_FILE_TYPE, [t.value for t in FileType]),
            vol.Required(SECTION_IMAGE): part(
                {
                    opt(CONF_IMAGE_WIDTH): _number(0, MAX_IMAGE_SIDE, unit="px"),
                    opt(CONF_IMAGE_HEIGHT): _number(0, MAX_IMAGE_SIDE, unit="px"),
                    req(CONF_IMAGE_QUALITY): _number(
                        MIN_QUALITY, MAX_QUALITY, mode=selector.NumberSelectorMode.SLIDER
                    ),
                    req(CONF_OVERLAY): _SWITCH,
                },
                collapsed=False,
            ),
            vol.Required(SECTION_CLIP): part(
                {
                    req(CONF_FRAME_RATE): _number(0.1, MAX_FRAME_RATE, 0.1, "fps"),
                    req(CONF_SECONDS_BEFORE): _number(0, MAX_SECONDS_AROUND_EVENT, 0.5, "s"),
                    req(CONF_SECONDS_AFTER): _number(0, MAX_SECONDS_AROUND_EVENT, 0.5, "s"),
                },
                collapsed=image_type,
            ),
            vol.Required(SECTION_TRANSFER): part(
                {req(key): _SWITCH for key in PROFILE_SECTIONS[SECTION_TRANSFER]},
                collapsed=transfer_default,
            ),
            vol.Required(SECTION_OVERRIDES): part(
                {
                    opt(CONF_OVERRIDE_HOST): _TEXT,
                    opt(CONF_OVERRIDE_PORT): _number(1, 65535),
                    opt(CONF_OVERRIDE_USERNAME): _TEXT,
                    opt(CONF_OVERRIDE_PASSWORD): _PASSWORD,
                    req(CONF_OVERRIDE_MODE): _choice(
                        CONF_OVERRIDE_MODE, [m.value for m in TransferMode]
                    ),
                },
                collapsed=not _has_overrides(values),
            ),
            vol.Required(SECTION_SCHEDULE): part(
                {
                    req(CONF_SCHEDULE): _choice(CONF_SCHEDULE, [s.value for s in Schedule]),
                    opt(CONF_INTERVAL): _number(MIN_INTERVAL, MAX_INTERVAL, unit="s"),
                },
                collapsed=False,
            ),
        }
    )


def shown_values(current: Mapping[str, Any], *, password: str = "") -> dict[str, Any]:
    """The values the profile form shows (suggested values), nested in its sections.

    An empty value is left out, so an emptiable field shows empty. The stored override
    password is never sent to the browser; `password` is what the user typed into this form,
    shown again after an error.
    """
    values = {**PROFILE_DEFAULTS, **current, CONF_OVERRIDE_PASSWORD: password}
    in_section = {key: name for name, keys in PROFILE_SECTIONS.items() for key in keys}
    shown: dict[str, Any] = {name: {} for name in PROFILE_SECTIONS}
    for key, value in values.items():
        if value in ("", None) or (key in EMPTY_VALUES and not value):
            continue
        if (name := in_section.get(key)) is not None:
            shown[name][key] = value
        elif key in _TOP_FIELDS:
            shown[key] = value
    return shown


def flatten_sections(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The flat subentry data of a submitted form; an emptied field takes its EMPTY_VALUES."""
    flat: dict[str, Any] = {**PROFILE_DEFAULTS, **EMPTY_VALUES}
    for key, value in user_input.items():
        if key in PROFILE_SECTIONS:
            flat.update(value)
        else:
            flat[key] = value
    return flat


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
        placeholders = {
            "variable": "",
            "error": "",
            "quality_min": str(MIN_QUALITY),
            "quality_max": str(MAX_QUALITY),
            "interval_default": str(DEFAULT_INTERVAL),
        }
        shown: Mapping[str, Any] = current
        typed_password = ""
        if user_input is not None:
            data = flatten_sections(user_input)
            typed_password = str(data[CONF_OVERRIDE_PASSWORD])
            name = str(data.pop(CONF_PROFILE_NAME)).strip()
            same_login = all(
                current.get(key, "") == data.get(key, "")
                for key in (CONF_OVERRIDE_HOST, CONF_OVERRIDE_USERNAME)
            )
            if not data[CONF_OVERRIDE_PASSWORD] and same_login:
                # Empty keeps the override password (it is never shown), but only for the same
                # server and user: it must not go to another one (clearing the user clears it).
                data[CONF_OVERRIDE_PASSWORD] = current.get(CONF_OVERRIDE_PASSWORD, "")
            data[CONF_PROFILE_NUMBER] = current.get(CONF_PROFILE_NUMBER) or self._next_number()
            shown = {**data, CONF_PROFILE_NAME: name}
            try:
                errors = self._check(name, data, placeholders)
            except Exception:
                _LOGGER.exception("Unexpected error while checking the profile %s", name)
                errors = {"base": "unknown"}
            if not errors:
                if step_id == "user":
                    return self.async_create_entry(title=name, data=data)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), title=name, data=data
                )
        placeholders.update(self._preview(shown))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                profile_schema(shown), shown_values(shown, password=typed_password)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _preview(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The placeholders of the "Current destination" line, from what the form holds."""
        try:
            settings = ProfileSettings.from_data(str(values.get(CONF_PROFILE_NAME, "")), values)
            destination = preview_destination(self.hass, settings)
        except NameTemplateError:  # the form's error names what is wrong
            return {"preview": PREVIEW_UNAVAILABLE, "destination": ""}
        except Exception:  # the check failed the same way and says so
            _LOGGER.debug("Cannot preview the destination", exc_info=True)
            return {"preview": PREVIEW_UNAVAILABLE, "destination": ""}
        return {"preview": PREVIEW_SHOWN, "destination": destination}

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
            preview_destination(self.hass, ProfileSettings.from_data(name, data))
        except NameTemplateError as err:
            placeholders["error"] = err.detail
            return {CONF_FILE_NAME: err.key}
        return {}
