"""Names of uploaded files: Home Assistant templates first, then MOBOTIX variables."""

import dataclasses
from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import TemplateError as HomeAssistantTemplateError
from homeassistant.helpers.template import Template, is_template_string

from .uploader.errors import TemplateError
from .uploader.model import RemoteFile, UploadProfile
from .uploader.templates import NamingContext, render_destination, validate_template

INVALID_TEMPLATE = "invalid_template"
UNKNOWN_VARIABLE = "unknown_variable"
INVALID_VARIABLE = "invalid_variable"


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


def check_name_template(
    hass: HomeAssistant, text: str, extra_names: Mapping[str, str] | None = None
) -> None:
    """Raise NameTemplateError for a broken Jinja template or an unknown MOBOTIX variable."""
    rendered = render_jinja(hass, text, extra_names or {})
    try:
        validate_template(rendered, extra_names=extra_names or {})
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
