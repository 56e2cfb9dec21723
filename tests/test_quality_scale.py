"""quality_scale.yaml against the code: every rule has a status, and what code can show agrees.

Where a rule can be read off the code (PARALLEL_UPDATES, translated errors, entity names, flow
strings, the reconfigure step), its status must be `done` exactly when the code shows no gap.
"""

import ast
import builtins
import importlib
import inspect
import json
import string
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from homeassistant import config_entries
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.camupload.config_flow  # noqa: F401  # registers the config flow
from custom_components.camupload import PLATFORMS
from custom_components.camupload.const import DOMAIN
from tests.ports import free_port
from tests.profile_setup import UNREACHABLE, load_profile, profile_subentry, server_entry
from tests.receiver_setup import receiver_entry

PACKAGE: Final = Path(__file__).parent.parent / "custom_components" / DOMAIN
PACKAGE_NAME: Final = f"custom_components.{DOMAIN}"
# The texts as Home Assistant loads them: strings.json with its references resolved.
STRINGS: Final[dict[str, Any]] = json.loads(
    (PACKAGE / "translations" / "en.json").read_text(encoding="utf-8")
)

# hassfest's ALL_RULES (script/hassfest/quality_scale.py in Home Assistant core), Bronze to
# Platinum: no package installed here ships the list.
_HA_RULE_NAMES: Final = """
    action-setup appropriate-polling brands common-modules config-flow config-flow-test-coverage
    dependency-transparency docs-actions docs-conditions docs-high-level-description
    docs-installation-instructions docs-removal-instructions docs-triggers entity-event-setup
    entity-unique-id has-entity-name runtime-data test-before-configure test-before-setup
    unique-config-entry
    action-exceptions config-entry-unloading docs-configuration-parameters
    docs-installation-parameters entity-unavailable integration-owner log-when-unavailable
    parallel-updates reauthentication-flow test-coverage
    devices diagnostics discovery discovery-update-info docs-data-update docs-examples
    docs-known-limitations docs-supported-devices docs-supported-functions docs-troubleshooting
    docs-use-cases dynamic-devices entity-category entity-device-class entity-disabled-by-default
    entity-translations exception-translations icon-translations reconfiguration-flow
    repair-issues stale-devices
    async-dependency inject-websession strict-typing
"""
HA_RULES: Final = frozenset(_HA_RULE_NAMES.split())
# What a step returns to end the flow; every other return shows the user something.
FLOW_ENDS: Final = frozenset(
    {"async_abort", "async_create_entry", "async_update_and_abort", "async_update_reload_and_abort"}
)
# A step shows at least one of these; its fields' labels are optional.
TITLES: Final = frozenset({"title", "description"})
_UNKNOWN: Final = object()


def _rules() -> dict[str, tuple[str, str | None]]:
    """Rule name -> (status, comment) from quality_scale.yaml."""
    found: dict[str, tuple[str, str | None]] = {}
    for name, value in load_yaml_dict(PACKAGE / "quality_scale.yaml")["rules"].items():
        if isinstance(value, str):
            found[name] = (value, None)
        else:
            found[name] = (value["status"], value.get("comment"))
    return found


def _agrees(rule: str, gaps: list[str]) -> None:
    """The rule is claimed done exactly when the code shows no gap."""
    if _rules()[rule][0] == "done":
        assert gaps == [], f"{rule} is claimed done, but:\n" + "\n".join(gaps)
    else:
        assert gaps, f"{rule} is not claimed done, yet the code shows no gap: mark it done"


def _resolve(node: ast.expr | None, namespace: dict[str, Any]) -> object:
    """What a constant, name or dotted name stands for in namespace, else _UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return namespace.get(node.id, getattr(builtins, node.id, _UNKNOWN))
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return _UNKNOWN if owner is _UNKNOWN else getattr(owner, node.attr, _UNKNOWN)
    return _UNKNOWN


def test_every_rule_has_a_status() -> None:
    """Every Home Assistant rule, and no other, is done, exempt or todo; the last two say why."""
    rules = _rules()
    assert set(rules) == HA_RULES
    for name, (status, comment) in rules.items():
        assert status in {"done", "exempt", "todo"}, name
        if status != "done":
            assert isinstance(comment, str), f"{name} is {status} without a reason"
            assert comment.strip(), f"{name} is {status} without a reason"


# parallel-updates


def _platform_modules() -> dict[str, Path]:
    """The integration's entity platform modules: files named after a Home Assistant platform."""
    platforms = {platform.value for platform in Platform}
    return {path.stem: path for path in PACKAGE.glob("*.py") if path.stem in platforms}


def _module_constant(path: Path, name: str) -> object:
    """The constant a module assigns to name at its top level, else _UNKNOWN."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return _resolve(node.value, {})
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == name:
            return _resolve(node.value, {})
    return _UNKNOWN


def test_every_platform_sets_parallel_updates() -> None:
    """Every platform the entries forward has a module, and each sets PARALLEL_UPDATES."""
    modules = _platform_modules()
    forwarded = {platform.value for platforms in PLATFORMS.values() for platform in platforms}
    assert forwarded <= set(modules)
    gaps = [
        f"{name}.py sets no PARALLEL_UPDATES number"
        for name, path in sorted(modules.items())
        if type(_module_constant(path, "PARALLEL_UPDATES")) is not int
    ]
    _agrees("parallel-updates", gaps)


# exception-translations


def _home_assistant_modules() -> Iterator[tuple[dict[str, Any], ast.Module]]:
    """(namespace, syntax) of every module of the integration that imports Home Assistant."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            name.partition(".")[0] == "homeassistant"
            for node in ast.walk(tree)
            for name in _imported(node)
        ):
            parts = path.relative_to(PACKAGE).with_suffix("").parts
            name = ".".join((PACKAGE_NAME, *parts)).removesuffix(".__init__")
            yield vars(importlib.import_module(name)), tree


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if isinstance(node, ast.ImportFrom) else []


def _is_home_assistant_error(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, HomeAssistantError)


def _translation_gaps(call: ast.Call, namespace: dict[str, Any]) -> Iterator[str]:
    """What keeps a Home Assistant error from showing its translated message."""
    error = ast.unparse(call.func)
    keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    if call.args:
        yield f"{error} passes a message, which is shown instead of the translation"
    if _resolve(keywords.get("translation_domain"), namespace) != DOMAIN:
        yield f"{error} has no translation_domain={DOMAIN!r}"
    key = _resolve(keywords.get("translation_key"), namespace)
    if not isinstance(key, str):
        yield f"{error} has no translation_key"
        return
    if key not in STRINGS["exceptions"]:
        yield f"{error}: {key!r} is not in strings.json's exceptions"
        return
    message = STRINGS["exceptions"][key]["message"]
    wanted = {field for _, field, _, _ in string.Formatter().parse(message) if field}
    given_node = keywords.get("translation_placeholders")
    if given_node is None:
        given: set[object] = set()
    elif isinstance(given_node, ast.Dict) and all(k is not None for k in given_node.keys):
        given = {_resolve(k, namespace) for k in given_node.keys if k is not None}
    else:
        yield f"{error}: translation_placeholders is no dict literal, so it cannot be checked"
        return
    if given != wanted:
        yield f"{error}: {key!r} gets placeholders {sorted(map(str, given))}, uses {sorted(wanted)}"


def test_every_home_assistant_error_is_translated() -> None:
    """Every HomeAssistantError (or subclass) the integration makes has a translation key."""
    gaps: list[str] = []
    keys: set[object] = set()
    for namespace, tree in _home_assistant_modules():
        where = namespace["__name__"]
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                value = _resolve(raised, namespace)
                if isinstance(node.exc, ast.Call) and value is _UNKNOWN:
                    gaps.append(f"{where}:{node.lineno}: cannot tell what this raises")
                elif not isinstance(node.exc, ast.Call) and _is_home_assistant_error(value):
                    gaps.append(f"{where}:{node.lineno}: {ast.unparse(raised)} has no translation")
            if isinstance(node, ast.Call) and _is_home_assistant_error(
                _resolve(node.func, namespace)
            ):
                keys.add(_resolve(_keyword(node, "translation_key"), namespace))
                gaps.extend(
                    f"{where}:{node.lineno}: {gap}" for gap in _translation_gaps(node, namespace)
                )
    _agrees("exception-translations", gaps)
    # Each message is raised somewhere: no stale strings, and no error the walk missed.
    assert set(STRINGS["exceptions"]) <= keys


# entity-translations, has-entity-name, entity-unique-id


@pytest.mark.enable_socket
@pytest.mark.usefixtures("socket_enabled")
async def test_every_entity_is_named_by_translation(hass: HomeAssistant) -> None:
    """Every entity of every platform module is named by strings.json, its device class, or not.

    A receiver camera and a streaming profile are loaded, so each entity class has an entity.
    """
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    await load_profile(hass, server_entry(UNREACHABLE, profile_subentry(streaming=True)))
    entities = [
        (platform.domain, entity)
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
    ]
    domains = {domain for domain, _ in entities}
    assert domains == set(_platform_modules())
    classes = {
        value
        for name in domains
        for value in vars(importlib.import_module(f"{PACKAGE_NAME}.{name}")).values()
        if isinstance(value, type)
        and issubclass(value, Entity)
        and value.__module__ == f"{PACKAGE_NAME}.{name}"
    }
    concrete = classes - {base for cls in classes for base in cls.__mro__[1:]}
    assert concrete <= {type(entity) for _, entity in entities}, "load more to check them all"

    class_names = await async_get_translations(hass, "en", "entity_component", domains)
    rules = ("has-entity-name", "entity-unique-id", "entity-translations")
    gaps: dict[str, list[str]] = {rule: [] for rule in rules}
    for domain, entity in entities:
        what = f"{entity.entity_id} ({type(entity).__name__})"
        if not entity.has_entity_name:
            gaps["has-entity-name"].append(what)
        if entity.unique_id is None:
            gaps["entity-unique-id"].append(what)
        strings = STRINGS["entity"].get(domain, {}).get(entity.translation_key or "", {})
        if "name" in strings:
            expected = strings["name"].format(**(entity.translation_placeholders or {}))
        elif entity.device_class is not None:
            expected = class_names.get(
                f"component.{domain}.entity_component.{entity.device_class}.name"
            )
        else:
            expected = None  # the device's main feature, named after the device
        if entity.name != expected:
            gaps["entity-translations"].append(f"{what} is named {entity.name!r}")
    for rule, found in gaps.items():
        _agrees(rule, found)


# config-flow (every step's strings), reconfiguration-flow


def _flow_sections() -> dict[str, set[type]]:
    """The integration's flow classes, by their section of strings.json."""
    handler = config_entries.HANDLERS[DOMAIN]
    sections: dict[str, set[type]] = {"config": {handler}}
    for entry in (receiver_entry(ftp_port=0), server_entry(UNREACHABLE)):
        for kind, flow in handler.async_get_supported_subentry_types(entry).items():
            sections.setdefault(f"config_subentries.{kind}", set()).add(flow)
        if handler.async_supports_options_flow(entry):
            sections.setdefault("options", set()).add(type(handler.async_get_options_flow(entry)))
    return sections


type Methods = dict[str, list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, dict[str, Any]]]]


def _methods(flow: type) -> Methods:
    """Every method the integration writes for flow (overrides too), with its namespace."""
    found: Methods = {}
    for owner in flow.__mro__:
        if not owner.__module__.startswith(PACKAGE_NAME):
            continue
        namespace = {**vars(sys.modules[owner.__module__]), "self": flow}
        (node,) = ast.parse(textwrap.dedent(inspect.getsource(owner))).body
        assert isinstance(node, ast.ClassDef)
        for method in node.body:
            if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(method.name, []).append((method, namespace))
    return found


def _self_calls(methods: Methods, name: str) -> Iterator[tuple[str, ast.Call, dict[str, Any]]]:
    """(method called, call, namespace) of each self.<method>(...) in every version of name."""
    for method, namespace in methods.get(name, []):
        for node in ast.walk(method):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "self"
            ):
                yield node.func.attr, node, namespace


def _hands_over(value: ast.expr | None) -> bool:
    """Whether a step's return value is another step's result, or the flow's end."""
    if isinstance(value, ast.Await):
        value = value.value
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    owner = value.func.value
    by_flow = (isinstance(owner, ast.Name) and owner.id == "self") or (
        isinstance(owner, ast.Call) and ast.unparse(owner.func) == "super"
    )
    return by_flow and (value.func.attr.startswith("async_step_") or value.func.attr in FLOW_ENDS)


def _shows_something(methods: Methods, step: str) -> bool:
    """Whether some version of a step returns anything but another step or the flow's end.

    Forms, menus and whatever a helper returns count as shown: they need the step's strings.
    """
    return any(
        not _hands_over(node.value)
        for method, _ in methods[f"async_step_{step}"]
        for node in ast.walk(method)
        if isinstance(node, ast.Return)
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _section(section: str) -> dict[str, Any]:
    """A flow's part of strings.json: "config", "options", "config_subentries.<type>"."""
    strings = STRINGS
    for part in section.split("."):
        strings = strings.get(part, {})
    return strings


def _flow_gaps(section: str, flow: type) -> Iterator[str]:
    """What flow shows without its strings: a step's title, a menu's options, an abort reason."""
    strings = _section(section)
    methods = _methods(flow)
    for name in methods:
        step = name.removeprefix("async_step_")
        texts = strings.get("step", {}).get(step, {})
        if step != name and _shows_something(methods, step) and not texts.keys() & TITLES:
            yield f"{section}.step.{step} ({flow.__name__}) has no title or description"
        for called, call, namespace in _self_calls(methods, name):
            if called == "async_abort":
                reason = _resolve(_keyword(call, "reason"), namespace)
                if not isinstance(reason, str) or reason not in strings.get("abort", {}):
                    yield f"{section}.abort.{reason} ({flow.__name__}.{name}) is missing"
            elif called == "async_show_menu":
                menu = _resolve(_keyword(call, "step_id"), namespace)
                options = _keyword(call, "menu_options")
                if not isinstance(menu, str) or not isinstance(options, ast.List | ast.Tuple):
                    yield f"{section}: the menu of {flow.__name__}.{name} cannot be checked"
                    continue
                shown = strings.get("step", {}).get(menu, {}).get("menu_options", {})
                for option in (str(_resolve(element, namespace)) for element in options.elts):
                    if option not in shown:
                        yield f"{section}.step.{menu}.menu_options.{option} is missing"


def test_every_flow_step_has_strings() -> None:
    """Every form and menu of the config, options and subentry flows has its strings.json text."""
    sections = _flow_sections()
    assert {"config", "options"} <= set(sections)
    assert any(section.startswith("config_subentries.") for section in sections)
    gaps = [
        gap
        for section, flows in sections.items()
        for flow in flows
        for gap in _flow_gaps(section, flow)
    ]
    _agrees("config-flow", gaps)


async def test_every_entry_can_be_reconfigured(hass: HomeAssistant) -> None:
    """The config flow has a reconfigure step, and it shows a form for both kinds of entry."""
    handler = config_entries.HANDLERS[DOMAIN]
    assert any(
        "async_step_reconfigure" in vars(owner)
        for owner in handler.__mro__
        if owner.__module__.startswith(PACKAGE_NAME)
    ), "the config flow has no reconfigure step"
    gaps: list[str] = []
    entries: tuple[MockConfigEntry, ...] = (receiver_entry(ftp_port=0), server_entry(UNREACHABLE))
    for entry in entries:
        entry.add_to_hass(hass)
        result = await entry.start_reconfigure_flow(hass)
        if result["type"] is not FlowResultType.FORM:
            gaps.append(f"{entry.title}: reconfigure ends in {result['type']}")
    _agrees("reconfiguration-flow", gaps)
