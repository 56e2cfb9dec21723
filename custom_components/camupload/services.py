"""Actions: upload a profile now (or start an event), and run a profile's network test."""

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
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
from .runtime import ServerRuntimeData
from .uploader_ha.runner import ProfileRunner

try:
    from homeassistant.helpers.target import (
        TargetSelection,
        async_extract_referenced_entity_ids,
    )

    def referenced_entity_ids(hass: HomeAssistant, call: ServiceCall) -> set[str]:
        """Entity ids a call targets, directly or through devices, areas, floors and labels."""
        selected = async_extract_referenced_entity_ids(hass, TargetSelection(call.data))
        return selected.referenced | selected.indirectly_referenced

except ImportError:  # older Home Assistant (2025.4, the minimum) has it in helpers.service only
    from homeassistant.helpers.service import (
        async_extract_referenced_entity_ids as _extract_from_call,
    )

    def referenced_entity_ids(hass: HomeAssistant, call: ServiceCall) -> set[str]:
        """Entity ids a call targets, directly or through devices, areas, floors and labels."""
        selected = _extract_from_call(hass, call)
        return selected.referenced | selected.indirectly_referenced


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
    registry = er.async_get(hass)
    for entity_id in referenced_entity_ids(hass, call):
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


async def _each_profile[T](
    runners: list[ProfileRunner], work: Callable[[ProfileRunner], Awaitable[T]]
) -> list[T]:
    """Run work on every profile at once; every profile runs even when another fails.

    One failing profile raises its own error; several raise one error that names each failed
    profile and those that succeeded (their files were delivered; no response is returned).
    """
    outcomes = await asyncio.gather(*(work(runner) for runner in runners), return_exceptions=True)
    results: list[T] = []
    failed: list[tuple[ProfileRunner, BaseException]] = []
    for runner, outcome in zip(runners, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome  # cancellation and the like are not a profile's failure
            failed.append((runner, outcome))
        else:
            results.append(outcome)
    if len(failed) == 1 and len(runners) == 1:
        raise failed[0][1]
    if failed:
        done = {runner.subentry_id for runner in runners} - {r.subentry_id for r, _ in failed}
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="profiles_failed",
            translation_placeholders={
                "failed": "; ".join(f"{runner.name}: {err}" for runner, err in failed),
                "succeeded": ", ".join(r.name for r in runners if r.subentry_id in done) or "-",
            },
        ) from failed[0][1]
    return results


async def _async_upload(call: ServiceCall) -> ServiceResponse:
    async def upload(runner: ProfileRunner) -> JsonObjectType:
        result = await runner.async_upload(
            event=call.data[ATTR_EVENT],
            camera=call.data.get(ATTR_CAMERA),
            variables=call.data[ATTR_VARIABLES],
        )
        return {
            "profile": runner.name,
            "event": result.event,
            "files": [delivery.as_dict() for delivery in result.deliveries],
        }

    results = await _each_profile(targeted_runners(call.hass, call), upload)
    return {"profiles": results}  # type: ignore[dict-item]  # a list of JSON objects


async def _async_test(call: ServiceCall) -> ServiceResponse:
    async def test(runner: ProfileRunner) -> JsonObjectType:
        log = await runner.async_network_test()
        return {
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

    results = await _each_profile(targeted_runners(call.hass, call), test)
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
