"""The receiver engine is a plain asyncio library: importing it loads no Home Assistant code."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The integration's own __init__ imports Home Assistant, so the probe stands in an empty
# parent package and imports only the engine.
PROBE = """
import sys, types
parent = types.ModuleType("custom_components.camupload")
parent.__path__ = [sys.argv[1] + "/custom_components/camupload"]
sys.modules["custom_components.camupload"] = parent
import custom_components.camupload.receiver
import custom_components.camupload.receiver.__main__
import custom_components.camupload.receiver.ftp.server
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "homeassistant")
print(loaded)
"""


def test_engine_imports_no_homeassistant() -> None:
    """A fresh interpreter importing every receiver module has no homeassistant module loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert result.stdout.strip() == "[]"
    everything = PROBE.replace("print(loaded)", "print(sorted(sys.modules))")
    modules = subprocess.run(
        [sys.executable, "-c", everything, str(REPO)],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout  # fmt: skip
    assert "aiohttp" in modules  # the probe really imported the engine
