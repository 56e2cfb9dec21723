"""Fixtures shared by the whole test suite."""

import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from pathlib import Path
from unittest.mock import patch

import pytest
from aiohttp import BasicAuth
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component import common
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.camupload import PLATFORMS
from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_FTP_PORT,
    CONF_LISTEN_ADDRESS,
    DOMAIN,
    ENTRY_VERSION,
    RECEIVER_DEFAULTS,
    RECEIVER_UNIQUE_ID,
    SUBENTRY_CAMERA,
    EntryKind,
)
from custom_components.camupload.receiver_ha.settings import CONNECTION_KEYS, OPTION_DEFAULTS
from custom_components.camupload.uploader_ha.server_form import (
    server_data,
    server_title,
    server_unique_id,
)
from tests.ports import free_port
from tests.profile_setup import UNREACHABLE, profile_subentry
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import PASSWORD, USERNAME, next_image
from tests.snapshot_setup import VersionedSnapshotExtension
from tests.uploader.servers import FtpServer, vsftpd

# Home Assistant's frame helper logs here when an integration uses an API the wrong way or a
# deprecated one ("Detected that custom integration 'camupload' ...").
FRAME_LOGGER = "homeassistant.helpers.frame"


def is_deprecation_report(record: logging.LogRecord) -> bool:
    """Whether Home Assistant reports camupload (or unidentified code) for a deprecated use.

    The frame helper logs under its own logger; helpers.deprecation logs under the deprecated
    object's module ("The deprecated function X was called from camupload. ...").
    """
    if record.levelno < logging.WARNING:
        return False
    message = record.getMessage()
    if record.name == FRAME_LOGGER:
        return True
    return "deprecated" in message.lower() and DOMAIN in message


class DeprecationWatch(logging.Handler):
    """Collects the deprecation reports logged while a test runs."""

    def __init__(self) -> None:
        """Start with no reports."""
        super().__init__(level=logging.WARNING)
        self.reports: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it is a deprecation report."""
        if is_deprecation_report(record):
            self.reports.append(record)


@pytest.fixture(autouse=True)
def fail_on_deprecations() -> Iterator[DeprecationWatch]:
    """Fail any test during which Home Assistant reports a deprecated use by camupload."""
    watch = DeprecationWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
    if watch.reports:
        pytest.fail(
            "Home Assistant reported deprecated usage:\n"
            + "\n".join(f"{record.name}: {record.getMessage()}" for record in watch.reports),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(own_config_dir: Path, enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/camupload in every test.

    Asks for own_config_dir first: enabling creates the test's Home Assistant.
    """
    del own_config_dir, enable_custom_integrations


@pytest.fixture(autouse=True)
def own_config_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Give each test's Home Assistant a configuration folder of its own.

    The plugin's default is one folder inside the installed package, shared by every test
    process on the machine: spools, last frames and archives of parallel runs would meet there.
    """
    folder = tmp_path_factory.mktemp("config")

    def config_path(*parts: str) -> str:
        return os.path.join(folder, *parts)  # noqa: PTH118 - the plugin's own signature

    monkeypatch.setattr(common, "get_test_config_dir", config_path)
    return folder


@pytest.fixture
def snapshot(request: pytest.FixtureRequest) -> SnapshotAssertion:
    """Home Assistant's snapshot assertion, one folder of snapshots per Home Assistant version.

    Made as syrupy's own fixture makes it, not from the plugin's: each assertion registers with
    syrupy's session, and the plugin's would read all of tests/snapshots/, count the other
    version's snapshots as unused (failing the run) and delete them on --snapshot-update.
    """
    return SnapshotAssertion(
        update_snapshots=request.config.option.update_snapshots,
        extension_class=VersionedSnapshotExtension,
        test_location=PyTestLocation(request.node),
        session=request.config._syrupy,  # type: ignore[attr-defined] # syrupy keeps it there
    )


@pytest.fixture
def mock_receiver_entry(socket_enabled: None) -> MockConfigEntry:
    """The receiver entry (core's mock_config_entry) with one camera, "Front door".

    Stored as version 1.2 stores it: where cameras connect in data (a free FTP port on
    127.0.0.1), the rest in options. The entry's and the camera's ids are fixed, so unique ids
    and snapshots are the same on every run. Sockets are enabled: the receiver listens.
    """
    del socket_enabled
    connection = {key: RECEIVER_DEFAULTS[key] for key in CONNECTION_KEYS}
    return MockConfigEntry(
        domain=DOMAIN,
        title="Upload receiver",
        unique_id=RECEIVER_UNIQUE_ID,
        entry_id="receiver_entry_id",
        version=ENTRY_VERSION,
        minor_version=1,
        data={
            CONF_ENTRY_KIND: EntryKind.RECEIVER,
            **connection,
            CONF_LISTEN_ADDRESS: "127.0.0.1",
            CONF_FTP_PORT: free_port(),
        },
        options=dict(OPTION_DEFAULTS),
        subentries_data=[
            ConfigSubentryDataWithId(
                data={CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD},
                subentry_id="front_door_subentry_id",
                subentry_type=SUBENTRY_CAMERA,
                title="Front door",
                unique_id=USERNAME,
            )
        ],
    )


@pytest.fixture
def mock_server_entry() -> MockConfigEntry:
    """An upload server entry (core's mock_config_entry) with two profiles.

    "Yard" streams over one FTP connection, "Gate" uploads plainly; the server is unreachable,
    which loading does not notice (it does not connect). Ids are fixed, as the receiver's.
    """
    data = server_data(UNREACHABLE)
    profiles = (
        ("yard_subentry_id", profile_subentry("Yard", 1, streaming=True)),
        ("gate_subentry_id", profile_subentry("Gate", 2)),
    )
    return MockConfigEntry(
        domain=DOMAIN,
        title=server_title(data),
        unique_id=server_unique_id(data),
        entry_id="server_entry_id",
        version=ENTRY_VERSION,
        minor_version=1,
        data=data,
        subentries_data=[
            ConfigSubentryDataWithId(**profile, subentry_id=subentry_id)
            for subentry_id, profile in profiles
        ],
    )


def _platform_alone(
    kind: EntryKind, request: pytest.FixtureRequest
) -> AbstractContextManager[object]:
    """Entries of kind load only the Platform an indirect parametrization gives, if any."""
    platform: Platform | None = getattr(request, "param", None)
    return patch.dict(PLATFORMS, {kind: [platform]}) if platform else nullcontext()


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
async def init_receiver(
    hass: HomeAssistant, mock_receiver_entry: MockConfigEntry, request: pytest.FixtureRequest
) -> AsyncIterator[MockConfigEntry]:
    """The receiver entry, set up (core's init_integration); its FTP server listens.

    Parametrize it indirectly with a Platform to load that platform alone, as core does; the
    limit lasts until the test ends, so an unload in the test unloads what was loaded.
    """
    with _platform_alone(EntryKind.RECEIVER, request):
        await _set_up(hass, mock_receiver_entry)
        yield mock_receiver_entry


@pytest.fixture
async def init_server(
    hass: HomeAssistant, mock_server_entry: MockConfigEntry, request: pytest.FixtureRequest
) -> AsyncIterator[MockConfigEntry]:
    """The upload server entry, set up (core's init_integration); see init_receiver."""
    with _platform_alone(EntryKind.SERVER, request):
        await _set_up(hass, mock_server_entry)
        yield mock_server_entry


@pytest.fixture
async def front_door_frame(
    hass: HomeAssistant, init_receiver: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> bytes:
    """The JPEG "Front door" uploaded to the set-up receiver, over Home Assistant's HTTP path."""
    del init_receiver
    jpeg = make_jpeg(1)
    arrived = next_image(hass)
    client = await hass_client_no_auth()
    response = await client.post(
        f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == HTTPStatus.OK
    await arrived
    await hass.async_block_till_done()
    return jpeg


@pytest.fixture
def vsftpd_server(tmp_path: Path) -> Iterator[FtpServer]:
    """A vsftpd on a free port: anonymous login, uploads below incoming/."""
    server = vsftpd(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
