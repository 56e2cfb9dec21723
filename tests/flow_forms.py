"""A flow's form as the frontend shows it and as it submits it, and its errors' texts."""

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
import voluptuous_serialize
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import section
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.translation import async_get_translations

from custom_components.camupload.const import DOMAIN
from tests.frontend_text import render_message

EMPTIED = None  # in submitted(): the user empties the field, so the frontend leaves it out


def _schema(result: Mapping[str, Any]) -> vol.Schema:
    schema = result["data_schema"]
    assert isinstance(schema, vol.Schema)
    return schema


def serialized(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The form as the frontend receives it, by field name."""
    fields = voluptuous_serialize.convert(_schema(result), custom_serializer=cv.custom_serializer)
    assert isinstance(fields, list)
    return {field["name"]: field for field in fields}


def _shown_value(marker: vol.Marker) -> Any:  # noqa: ANN401
    """What the frontend puts in a field before the user touches it (UNDEFINED: nothing)."""
    suggested = (marker.description or {}).get("suggested_value")
    if suggested is not None:
        return suggested
    if isinstance(marker, vol.Optional | vol.Required) and callable(marker.default):
        return marker.default()
    return vol.UNDEFINED


def shown(result: Mapping[str, Any]) -> dict[str, Any]:
    """Each field's value as the form shows it, flat (sections opened); empty ones left out."""
    values: dict[str, Any] = {}
    for marker, value in _schema(result).schema.items():
        markers = value.schema.schema if isinstance(value, section) else {marker: value}
        for inner in markers:
            if (field := _shown_value(inner)) is not vol.UNDEFINED:
                values[str(inner.schema)] = field
    return values


def submitted(result: Mapping[str, Any], **changes: Any) -> dict[str, Any]:  # noqa: ANN401
    """What the frontend sends: the form as shown with changes typed in (EMPTIED clears).

    Fields are nested in their sections; a change naming a field the form lacks fails.
    """
    answers: dict[str, Any] = {}
    unused = dict(changes)
    for marker, value in _schema(result).schema.items():
        if isinstance(value, section):
            answers[marker.schema] = part = {}
            markers = value.schema.schema
        else:
            part, markers = answers, {marker: value}
        for inner in markers:
            field = unused.pop(inner.schema) if inner.schema in unused else _shown_value(inner)
            if field is not EMPTIED and field is not vol.UNDEFINED:
                part[inner.schema] = field
    assert not unused, f"the form has no field {set(unused)}"
    return answers


async def error_texts(
    hass: HomeAssistant, category: str, result: Mapping[str, Any]
) -> dict[str, str]:
    """Each form error of a result as the frontend shows it, placeholders filled in."""
    texts = await async_get_translations(hass, "en", category, [DOMAIN])
    return {
        field: render_message(
            texts[f"component.{DOMAIN}.{category}.error.{code}"],
            result["description_placeholders"] or {},
        )
        for field, code in result["errors"].items()
    }
