"""The shipped English translation is the strings file itself."""

import json
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "custom_components" / "camupload"


def test_english_translation_matches_strings() -> None:
    """Home Assistant loads translations/en.json for custom integrations: keep it in step."""
    strings = json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8"))
    english = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
    assert strings == english
