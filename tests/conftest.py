"""Fixtures shared by the whole test suite."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/camupload in every test."""
    del enable_custom_integrations
