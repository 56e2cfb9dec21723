"""The two engines are plain asyncio libraries: importing them loads no Home Assistant code.

The integration's adapters in receiver_ha/ and uploader_ha/ may import it; receiver/ and
uploader/ never.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The integration's own __init__ imports Home Assistant, so the probe stands in an empty
# parent package, then imports every module of one engine (its command included).
PROBE = """
import json, pkgutil, importlib, sys, types
parent = types.ModuleType("custom_components.camupload")
parent.__path__ = [sys.argv[1] + "/custom_components/camupload"]
sys.modules["custom_components.camupload"] = parent
engine = importlib.import_module("custom_components.camupload." + sys.argv[2])
names = [engine.__name__] + [
    info.name for info in pkgutil.walk_packages(engine.__path__, engine.__name__ + ".")
]
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "imported": names,
    "homeassistant": sorted(m for m in sys.modules if m.split(".")[0] == "homeassistant"),
}))
"""


@pytest.mark.parametrize(
    ("engine", "a_module"),
    [("receiver", "receiver.ftp.server"), ("uploader", "uploader.ftp_client")],
)
def test_engine_imports_no_homeassistant(engine: str, a_module: str) -> None:
    """A fresh interpreter importing every module of the engine has no homeassistant module."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO), engine],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    probe = json.loads(result.stdout)
    # The probe really walked the engine, down to its subpackages.
    assert f"custom_components.camupload.{a_module}" in probe["imported"]
    assert f"custom_components.camupload.{engine}.__main__" in probe["imported"]
    assert probe["homeassistant"] == []
