"""The shipped translations: English equals strings.json, and every text renders in the frontend."""

import json
import subprocess
import sys
from pathlib import Path

from homeassistant.util.yaml import load_yaml_dict

from tests.frontend_text import render_failures

PACKAGE = Path(__file__).parent.parent / "custom_components" / "camupload"
BUILD = Path(__file__).parent.parent / "scripts" / "translations.py"


def _build_translations(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILD), *arguments], capture_output=True, text=True, check=False
    )


def test_english_translation_is_strings_resolved() -> None:
    """Home Assistant loads translations/en.json of a custom integration as it is.

    So en.json must be strings.json with its [%key:...%] references resolved.
    """
    result = _build_translations("--check")
    assert result.returncode == 0, result.stderr
    english = (PACKAGE / "translations" / "en.json").read_text(encoding="utf-8")
    assert "[%key:" not in english
    strings = (PACKAGE / "strings.json").read_text(encoding="utf-8")
    assert "[%key:common::config_flow::data::password%]" in strings
    assert '"Password"' in english


def test_translation_build_resolves_and_refuses(tmp_path: Path) -> None:
    """References resolve, also through another reference; a dangling one is an error."""
    strings = tmp_path / "strings.json"
    out = tmp_path / "en.json"
    strings.write_text(
        json.dumps(
            {
                "a": {"b": "Say [%key:component::camupload::c%] twice"},
                "c": "[%key:common::config_flow::data::password%]",
            }
        )
    )
    assert _build_translations("--strings", str(strings), "--out", str(out)).returncode == 0
    built = json.loads(out.read_text())
    assert built == {"a": {"b": "Say Password twice"}, "c": "Password"}
    strings.write_text(json.dumps({"a": "[%key:component::camupload::missing%]"}))
    result = _build_translations("--strings", str(strings), "--out", str(out), "--check")
    assert result.returncode == 1
    assert "[%key:component::camupload::missing%] names no text" in result.stderr


def _leaves(value: object, path: str) -> dict[str, str]:
    """Every string in a translation tree, keyed by its dotted path."""
    if isinstance(value, str):
        return {path: value}
    if isinstance(value, dict):
        found: dict[str, str] = {}
        for key, child in value.items():
            found.update(_leaves(child, f"{path}.{key}" if path else key))
        return found
    return {}


def _shown_texts() -> dict[str, str]:
    """What the frontend renders: strings.json, every translation and services.yaml's texts."""
    texts = _leaves(json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8")), "strings")
    for translation in sorted((PACKAGE / "translations").glob("*.json")):
        tree = json.loads(translation.read_text(encoding="utf-8"))
        texts.update(_leaves(tree, translation.name))
    services = load_yaml_dict(PACKAGE / "services.yaml")
    for service, spec in services.items():
        for key in ("name", "description"):
            if key in spec:
                texts[f"services.yaml.{service}.{key}"] = spec[key]
        for field, field_spec in (spec.get("fields") or {}).items():
            for key in ("name", "description"):
                if key in field_spec:
                    texts[f"services.yaml.{service}.{field}.{key}"] = field_spec[key]
    return texts


def test_icu_check_rejects_what_the_frontend_rejects() -> None:
    """The check itself: the texts issue 10 found broken fail it, plain and escaped ones pass."""
    failures = render_failures(
        {
            "tag": "Serve /photo/<username> here",
            "template": "Templates ({{ ... }}) are rendered first",
            "json": 'For example {"USER.PLACE": "gate"}',
            "placeholder": "Cannot connect: {error}",
            "escaped": "Templates ('{{' ... '}}') are rendered first",
        }
    )
    assert set(failures) == {"tag", "template", "json"}


def test_every_shown_text_renders() -> None:
    """No form, entity, error or action text shows the frontend's 'Translation error'."""
    texts = _shown_texts()
    assert len(texts) > 100  # the whole tree was read
    failures = render_failures(texts)
    assert failures == {}, "\n".join(f"{key}: {error}" for key, error in failures.items())
