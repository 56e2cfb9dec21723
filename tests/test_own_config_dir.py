"""Each test's Home Assistant writes into a configuration folder of its own."""

from pathlib import Path

import pytest_homeassistant_custom_component
from homeassistant.core import HomeAssistant

PLUGIN_FOLDER = Path(pytest_homeassistant_custom_component.__file__).parent


async def test_config_folder_is_the_tests_own(hass: HomeAssistant, own_config_dir: Path) -> None:
    """Not the plugin's folder, which every test process on the machine shares."""
    config = Path(hass.config.config_dir)
    assert config == own_config_dir
    assert not config.is_relative_to(PLUGIN_FOLDER)
    assert Path(hass.config.path(".storage")).is_relative_to(own_config_dir)
