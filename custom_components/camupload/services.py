"""Actions: upload a profile now (or start an event), and run a profile's network test."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service import async_extract_referenced_entity_ids
from homeassistant.util.json import JsonObjectType
from voluptuous import All, Optional, Schema

from .const import (
    ATTR_CAMERA,
    ATTR_EVENT,
    ATTR_PROFILE,
    ATTR_VARIABLES,
    DOMAIN,
    SERVICE_TEST_PROFILE,
    SERVICE_UPLOAD_PROFILE,
)
from .profile_runner import ProfileRunner
from .runtime import ServerRuntimeData

_TARGETS = {
    **cv.TARGET_SERVICE_FIELDS,
    Optional(ATTR_PROFILE): All(cv.ensure_list, [cv.string]),
}
UPLOAD_SCHEMA = Schema(
    {
        **_TARGETS,
        Optional(ATTR_EVENT, default=False): cv.boolean,
        Optional(ATTR_CAMERA): cv.entity_id,
        Optional(ATTR_VARIABLES, default={}): {cv.string: cv.string},
    }
)
TEST_SCHEMA = Schema(_TARGETS)


def loaded_runners(hass: HomeAssistant) -> dict[str, ProfileRunner]:
    """Every profile of every loaded upload server, by subentry id."""
    runners: dict[str, ProfileRunner] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED and isinstance(
            entry.runtime_data, ServerRuntimeData
        ):
            runners.update(entry.runtime_data.hub.runners)
    return runners


def targeted_runners(hass: HomeAssistant, call: ServiceCall) -> list[ProfileRunner]:
    """The profiles an action targets by entity, device (or area) and profile name."""
    runners = loaded_runners(hass)
    chosen: dict[str, ProfileRunner] = {}
    selected = async_extract_referenced_entity_ids(hass, call)
    registry = er.async_get(hass)
    for entity_id in selected.referenced | selected.indirectly_referenced:
        registered = registry.async_get(entity_id)
        if registered is not None and (runner := runners.get(registered.config_subentry_id or "")):
            chosen[runner.subentry_id] = runner
    names = {name.casefold() for name in call.data.get(ATTR_PROFILE, [])}
    for runner in runners.values():
        if runner.name.casefold() in names:
            chosen[runner.subentry_id] = runner
            names.discard(runner.name.casefold())
    if names:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_profile",
            translation_placeholders={"profile": ", ".join(sorted(names))},
        )
    if not chosen:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_profile")
    return list(chosen.values())


async def _async_upload(call: ServiceCall) -> ServiceResponse:
    results: list[JsonObjectType] = []
    for runner in targeted_runners(call.hass, call):
        upload = await runner.async_upload(
            event=call.data[ATTR_EVENT],
            camera=call.data.get(ATTR_CAMERA),
            variables=call.data[ATTR_VARIABLES],
        )
        results.append(
            {
                "profile": runner.name,
                "event": upload.event,
                "files": [delivery.as_dict() for delivery in upload.deliveries],
            }
        )
    return {"profiles": results}  # type: ignore[dict-item]  # a list of JSON objects


async def _async_test(call: ServiceCall) -> ServiceResponse:
    results: list[JsonObjectType] = []
    for runner in targeted_runners(call.hass, call):
        log = await runner.async_network_test()
        results.append(
            {
                "profile": runner.name,
                "ok": log.ok,
                "log": log.lines(),  # type: ignore[dict-item]  # a list of strings
                "steps": [
                    {
                        "name": step.name,
                        "ok": step.ok,
                        "detail": step.detail,
                        "milliseconds": round(step.seconds * 1000),
                    }
                    for step in log.steps
                ],
            }
        )
    return {"profiles": results}  # type: ignore[dict-item]  # a list of JSON objects


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once, for every upload server."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_UPLOAD_PROFILE,
        _async_upload,
        schema=UPLOAD_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_TEST_PROFILE,
        _async_test,
        schema=TEST_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
