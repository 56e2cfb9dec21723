"""Each platform's entities, registry entries and states, as snapshots (core's way).

Every platform of each entry kind loads alone, as core's tests load it.
"""

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.camupload import PLATFORMS
from custom_components.camupload.const import EntryKind
from tests.snapshot_setup import FROZEN_TIME

pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.freeze_time(FROZEN_TIME),
]


@pytest.fixture
def fixed_camera_token() -> Iterator[None]:
    """Cameras draw their access token (state attribute and picture URL) from a fixed number.

    As core's camera snapshots do: the token stays in the snapshot, the same on every run.
    """
    with patch("random.SystemRandom.getrandbits", return_value=123123123123):
        yield


@pytest.mark.parametrize("init_receiver", PLATFORMS[EntryKind.RECEIVER], indirect=True)
@pytest.mark.usefixtures("fixed_camera_token", "init_receiver")
async def test_receiver_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_receiver_entry: MockConfigEntry,
) -> None:
    """The receiver camera's entities of one platform, before any upload."""
    await snapshot_platform(hass, entity_registry, snapshot, mock_receiver_entry.entry_id)


@pytest.mark.parametrize("init_server", PLATFORMS[EntryKind.SERVER], indirect=True)
@pytest.mark.usefixtures("init_server")
async def test_server_platform(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_server_entry: MockConfigEntry,
) -> None:
    """Both profiles' entities of one platform; only the streaming profile has connectivity."""
    await snapshot_platform(hass, entity_registry, snapshot, mock_server_entry.entry_id)


@pytest.mark.parametrize("init_receiver", PLATFORMS[EntryKind.RECEIVER], indirect=True)
@pytest.mark.usefixtures("fixed_camera_token", "front_door_frame")
async def test_receiver_platform_after_an_upload(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_receiver_entry: MockConfigEntry,
) -> None:
    """The same entities once the camera uploaded a picture, at the frozen moment."""
    await snapshot_platform(hass, entity_registry, snapshot, mock_receiver_entry.entry_id)
