"""Formats translations as the frontend does, with its own ICU MessageFormat library.

node runs tests/icu/render_messages.mjs with intl-messageformat, which scripts/setup installs.
"""

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ICU = Path(__file__).parent / "icu"


def _render(messages: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    result = subprocess.run(
        ["node", str(ICU / "render_messages.mjs")],
        input=json.dumps(messages),
        capture_output=True,
        text=True,
        cwd=ICU,
        check=True,
        timeout=60,
    )
    output = json.loads(result.stdout)
    return output["rendered"], output["failures"]


def render_message(message: str, values: Mapping[str, str]) -> str:
    """A translation with its placeholders filled in, as the user reads it."""
    rendered, failures = _render({"message": {"message": message, "values": dict(values)}})
    assert not failures, failures
    return rendered["message"]


def render_failures(texts: Mapping[str, str]) -> dict[str, str]:
    """Each text the frontend cannot render (its placeholders given any value), with its error."""
    return _render(texts)[1]
