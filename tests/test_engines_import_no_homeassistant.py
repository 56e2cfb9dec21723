"""The two engines are plain asyncio libraries: importing them loads no Home Assistant code.

The integration's adapters in receiver_ha/ and uploader_ha/ may import it; receiver/ and
uploader/ never, nor shared/ (the frame type and the atomic writer both engines use).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The integration's own __init__ imports Home Assistant, so the probe stands in an empty
# parent package, then imports every module of one package (an engine's command included).
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
    ("package", "some_modules"),
    [
        ("receiver", ("receiver.__main__", "receiver.ftp.server")),
        ("uploader", ("uploader.__main__", "uploader.ftp_client")),
        ("shared", ("shared.atomic_file", "shared.frame")),
    ],
)
def test_engine_imports_no_homeassistant(package: str, some_modules: tuple[str, ...]) -> None:
    """A fresh interpreter importing every module of the package has no homeassistant module."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO), package],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    probe = json.loads(result.stdout)
    # The probe really walked the package, down to its subpackages and command.
    for module in some_modules:
        assert f"custom_components.camupload.{module}" in probe["imported"]
    assert probe["homeassistant"] == []
