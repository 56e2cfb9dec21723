"""The shipped blueprints' templates, rendered by Home Assistant at chosen times."""

from datetime import datetime
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util
from homeassistant.util.yaml import load_yaml

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "camupload"


async def test_every_n_minutes_counts_from_the_window_start(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Every 7 minutes from 08:00 means 08:56 then 09:03, not 09:00 (7 does not divide 60)."""
    blueprint: Any = load_yaml(BLUEPRINTS / "upload_every_n_minutes.yaml")
    (template_condition,) = (c for c in blueprint["condition"] if c["condition"] == "template")
    template = Template(template_condition["value_template"], hass)

    def uploads_at(hour: int, minute: int, after: str = "08:00:00") -> bool:
        local = datetime(2025, 5, 6, hour, minute, tzinfo=dt_util.get_default_time_zone())
        freezer.move_to(local)
        return bool(template.async_render({"minutes": 7, "after": after}))

    due = [minute for minute in range(60) if uploads_at(8, minute)]
    assert due == [0, 7, 14, 21, 28, 35, 42, 49, 56]
    assert uploads_at(9, 3)
    assert not uploads_at(9, 0)
    # A window that spans midnight counts from yesterday's start: 22:00 + 7 * 18 = 00:06.
    assert uploads_at(0, 6, after="22:00:00")
    assert not uploads_at(0, 0, after="22:00:00")
