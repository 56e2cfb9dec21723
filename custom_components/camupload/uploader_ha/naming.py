"""Names of uploaded files: Home Assistant templates first, then MOBOTIX variables."""

import dataclasses
from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import TemplateError as HomeAssistantTemplateError
from homeassistant.helpers.template import Template, is_template_string

from custom_components.camupload.uploader.errors import TemplateError
from custom_components.camupload.uploader.model import RemoteFile, UploadProfile
from custom_components.camupload.uploader.templates import (
    NamingContext,
    render_destination,
    validate_template,
    variables_in,
)

INVALID_TEMPLATE = "invalid_template"
UNKNOWN_VARIABLE = "unknown_variable"
INVALID_VARIABLE = "invalid_variable"
# Variables in this namespace come from the action's `variables` when it runs.
RUN_TIME_NAMESPACE = "USER."


class NameTemplateError(Exception):
    """A directory or file name template cannot be used; `key` is the form error."""

    def __init__(self, key: str, *, variable: str = "", detail: str = "") -> None:
        """Store the form error key and what it is about."""
        super().__init__(detail or variable or key)
        self.key = key
        self.variable = variable
        self.detail = detail


def _from_engine(err: TemplateError) -> NameTemplateError:
    if err.variable:
        return NameTemplateError(UNKNOWN_VARIABLE, variable=err.variable)
    return NameTemplateError(INVALID_VARIABLE, detail=str(err))


def render_jinja(hass: HomeAssistant, text: str, variables: Mapping[str, Any]) -> str:
    """Render a Home Assistant template in text; text without one is returned as is."""
    if not is_template_string(text):
        return text
    try:
        return str(Template(text, hass).async_render(dict(variables), parse_result=False))
    except HomeAssistantTemplateError as err:
        raise NameTemplateError(INVALID_TEMPLATE, detail=str(err)) from err


def run_time_placeholders(*texts: str) -> dict[str, str]:
    """Each run-time variable ($(USER.*)) in texts, standing for itself as in $(USER.TAG)."""
    return {
        name: f"$({name})"
        for text in texts
        for name in variables_in(text)
        if name.startswith(RUN_TIME_NAMESPACE)
    }


def check_name_template(hass: HomeAssistant, text: str) -> None:
    """Raise NameTemplateError for a broken Jinja template or an unknown MOBOTIX variable.

    Run-time variables ($(USER.*)) are accepted: the action supplies them.
    """
    rendered = render_jinja(hass, text, {})
    try:
        validate_template(rendered, extra_names=run_time_placeholders(rendered))
    except TemplateError as err:
        raise _from_engine(err) from err


def render_remote_file(
    hass: HomeAssistant,
    profile: UploadProfile,
    context: NamingContext,
    extra: Mapping[str, str] | None = None,
) -> RemoteFile:
    """Render where a file goes; raises NameTemplateError."""
    variables = dict(extra or {})
    rendered = dataclasses.replace(
        profile,
        directory=render_jinja(hass, profile.directory, variables),
        file_name=render_jinja(hass, profile.file_name, variables),
    )
    try:
        return render_destination(rendered, context, variables)
    except TemplateError as err:
        raise _from_engine(err) from err
