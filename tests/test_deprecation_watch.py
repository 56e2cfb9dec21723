"""The suite-wide watch in tests/conftest.py catches what Home Assistant reports against us."""

import logging
from collections.abc import Callable
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers.deprecation import deprecated_function
from homeassistant.helpers.frame import report_usage

import custom_components.camupload
from tests.conftest import DeprecationWatch

# Code compiled under this name counts, for Home Assistant's frame helper, as camupload's own.
PROBE_FILE = str(Path(custom_components.camupload.__file__).parent / "deprecation_probe.py")


def _run_as_camupload(source: str, names: dict[str, Callable[..., object]]) -> None:
    # The frame helper finds the integration by the file name of the calling code.
    exec(compile(source, PROBE_FILE, "exec"), names)  # noqa: S102 - fixed source, test only


@deprecated_function("a supported helper", breaks_in_ha_version="2099.1")
def _old_helper() -> None:
    """A helper Home Assistant's deprecation decorator marks as deprecated."""


async def test_frame_helper_report_is_caught(
    hass: HomeAssistant, fail_on_deprecations: DeprecationWatch
) -> None:
    """A frame-helper report naming camupload is collected (and would fail the test)."""
    del hass  # sets up the frame helper
    _run_as_camupload(
        "report_usage('uses an API for a test', breaks_in_ha_version='2099.1')",
        {"report_usage": report_usage},
    )
    (record,) = fail_on_deprecations.reports
    assert record.name == "homeassistant.helpers.frame"
    assert "custom integration 'camupload'" in record.getMessage()
    fail_on_deprecations.reports.clear()  # this test wanted the report


async def test_deprecated_function_call_is_caught(
    hass: HomeAssistant, fail_on_deprecations: DeprecationWatch
) -> None:
    """A call of a function decorated as deprecated, from camupload, is collected."""
    del hass
    _run_as_camupload("old_helper()", {"old_helper": _old_helper})
    (record,) = fail_on_deprecations.reports
    # Worded differently by 2025.4 and 2026.2; both name the function, camupload and "deprecated".
    message = record.getMessage()
    assert "_old_helper was called from camupload" in message
    assert "deprecated function" in message
    fail_on_deprecations.reports.clear()


def test_nothing_reported_without_a_deprecated_use(
    fail_on_deprecations: DeprecationWatch,
) -> None:
    """Ordinary warnings are not reports."""
    logging.getLogger("custom_components.camupload").warning("a camupload warning")
    assert fail_on_deprecations.reports == []
