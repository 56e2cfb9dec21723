"""The receiver entry's hub: runs the receiver engine and hands its frames to Home Assistant."""

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send

from custom_components.camupload.const import (
    AUTH_FAILURES_FOR_ISSUE,
    DOMAIN,
    EVENT_IMAGE_RECEIVED,
    SIGNAL_RECEIVER_STARTED,
    SUBENTRY_CAMERA,
)
from custom_components.camupload.receiver import (
    Account,
    ReceivedFile,
    ReceivedFrame,
    Receiver,
    ReceiverStartError,
    Source,
)
from custom_components.camupload.shared.frame import Frame

from .archive import safe_name
from .camera_feed import CameraFeed
from .last_frame_store import LastFrameStore
from .settings import ReceiverSettings

_LOGGER = logging.getLogger(__name__)

# How often changed last frames are written to disk (never on every frame of a stream).
LAST_FRAME_SAVE_INTERVAL = 10.0
# An MJPEG stream fires the image event at most this often per camera (s); uploads always do.
STREAM_EVENT_INTERVAL = 1.0
# Failed logins of one camera from one address count towards a repair issue for this long (s).
AUTH_FAILURE_WINDOW = 24 * 3600.0
# How long stopping waits for cut-off upload requests to finish (s).
REQUEST_STOP_TIMEOUT = 5.0

type UploadHandler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


class FrameSaver(Protocol):
    """Where every received item goes besides the entities (the archive)."""

    def submit(self, camera: str, item: ReceivedFrame | ReceivedFile) -> None:
        """Queue an item for saving without blocking."""

    async def close(self) -> None:
        """Write what is queued and stop."""


@dataclass(frozen=True, slots=True)
class ReceiverCamera:
    """A camera subentry as the hub sees it."""

    subentry_id: str
    name: str
    username: str
    archive_folder: str  # its login made safe once, not per frame


def cameras_of(entry: ConfigEntry) -> tuple[dict[str, ReceiverCamera], list[Account]]:
    """The camera subentries of a receiver entry, and the upload logins they give."""
    cameras: dict[str, ReceiverCamera] = {}
    accounts: list[Account] = []
    for sub in entry.subentries.values():
        if sub.subentry_type != SUBENTRY_CAMERA:
            continue
        username = sub.data[CONF_USERNAME]
        cameras[sub.subentry_id] = ReceiverCamera(
            subentry_id=sub.subentry_id,
            name=sub.title,
            username=username,
            archive_folder=safe_name(username),
        )
        accounts.append(
            Account(username=username, password=sub.data[CONF_PASSWORD], camera_id=sub.subentry_id)
        )
    return cameras, accounts


def last_frames_folder(hass: HomeAssistant) -> Path:
    """Where the receiver keeps each camera's last frame."""
    return Path(hass.config.path(".storage", DOMAIN, "last_frames"))


def wrong_password_issue_id(subentry_id: str) -> str:
    """The repair issue raised for a camera that keeps failing to log in."""
    return f"wrong_password_{subentry_id}"


class ReceiverHub:
    """Owns the receiver engine, one feed per camera, and the last-frame store."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, *, saver: FrameSaver | None = None
    ) -> None:
        """Prepare the hub for entry; nothing listens until async_start()."""
        self.hass = hass
        self.entry = entry
        self.settings = ReceiverSettings.from_entry(entry)
        self.cameras, accounts = cameras_of(entry)
        self.feeds = {camera_id: CameraFeed(time.monotonic) for camera_id in self.cameras}
        # Called for each camera added while the hub runs: the platforms add its entities.
        self._camera_added: list[Callable[[ReceiverCamera], None]] = []
        self.receiver = Receiver(
            self.settings.engine_config(),
            accounts,
            self._receive,
            on_auth_failure=self._auth_failed,
        )
        self.store = LastFrameStore(last_frames_folder(hass))
        self._saver = saver
        self._unsaved: set[str] = set()
        # Serializes disk writes: a save still running in the executor finishes before the next.
        self._save_lock = threading.Lock()
        self._requests: set[asyncio.Task[object]] = set()
        self._stopped = False
        self._auth_failures: dict[tuple[str, str], deque[float]] = {}
        # Cameras that logged in since their last failure: no repair issue to clear for them.
        self._trusted: set[str] = set()
        self._last_stream_event: dict[str, float] = {}
        self._save_task: asyncio.Task[None] | None = None

    async def async_start(self) -> None:
        """Restore last frames, then start listening; ConfigEntryNotReady if a port is taken."""
        restored = await self.hass.async_add_executor_job(self._restore_frames)
        for camera_id, frame in restored.items():
            if frame is not None:
                self.feeds[camera_id].restore(frame)
        self._withdraw_stale_issues()
        try:
            await self.receiver.start()
        except ReceiverStartError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_listen",
                translation_placeholders={"error": str(err)},
            ) from err
        async_dispatcher_send(self.hass, SIGNAL_RECEIVER_STARTED, self)
        self._save_task = self.entry.async_create_background_task(
            self.hass, self._save_periodically(), "camupload last frame saver"
        )

    def _restore_frames(self) -> dict[str, Frame | None]:
        self.store.keep_only(set(self.cameras))
        return {camera_id: self.store.load(camera_id) for camera_id in self.cameras}

    def _withdraw_stale_issues(self) -> None:
        """Issues of cameras that were deleted since they were raised."""
        current = {wrong_password_issue_id(camera_id) for camera_id in self.cameras}
        issues = ir.async_get(self.hass).issues
        for domain, issue_id in list(issues):
            if (
                domain == DOMAIN
                and issue_id.startswith("wrong_password_")
                and (issue_id not in current)
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def settings_changed(self) -> bool:
        """Whether the entry's settings differ from the ones the hub runs with (reload then)."""
        return ReceiverSettings.from_entry(self.entry) != self.settings

    def follow_cameras(self, add: Callable[[ReceiverCamera], None]) -> None:
        """Call add for every camera now, and for each camera added while the hub runs."""
        for camera in self.cameras.values():
            add(camera)
        self._camera_added.append(add)

    async def async_apply_camera_changes(self) -> None:
        """Take the entry's cameras as they are now, without restarting the receiver.

        Cameras that did not change are not disturbed: their sessions, feeds and entities go
        on. Logins change in the running receiver, which ends only the sessions of a login
        that is gone or has a new password. A new camera gets its feed and entities at once;
        a removed one loses its feed, last frame and repair issue (Home Assistant removes its
        device and entities with the subentry); a renamed one's device takes the new name.
        """
        cameras, accounts = cameras_of(self.entry)
        # First, so that invalid logins (AccountError) leave everything as it was.
        self.receiver.set_accounts(accounts)
        previous, self.cameras = self.cameras, cameras
        removed = previous.keys() - cameras.keys()
        for camera_id in removed:
            self._forget_camera(camera_id)
        for camera_id, camera in cameras.items():
            if (before := previous.get(camera_id)) is None:
                self.feeds[camera_id] = CameraFeed(time.monotonic)
                for add in self._camera_added:
                    add(camera)
            elif before.name != camera.name:
                self._rename_device(camera)
        if removed:
            self._withdraw_stale_issues()
            await self.hass.async_add_executor_job(self._forget_frames)

    def _forget_camera(self, camera_id: str) -> None:
        """Drop what the hub holds for a removed camera; its open live views end."""
        self.feeds.pop(camera_id).close()
        self._unsaved.discard(camera_id)
        self._trusted.discard(camera_id)
        self._last_stream_event.pop(camera_id, None)
        for key in [key for key in self._auth_failures if key[0] == camera_id]:
            del self._auth_failures[key]

    def _forget_frames(self) -> None:
        with self._save_lock:
            # Read here, under the lock: self.cameras is replaced on change, never mutated.
            self.store.keep_only(set(self.cameras))

    def _rename_device(self, camera: ReceiverCamera) -> None:
        """Give a renamed camera's device its new name (a name the user gave it stays)."""
        registry = dr.async_get(self.hass)
        device = registry.async_get_device(identifiers={(DOMAIN, camera.subentry_id)})
        if device is not None:
            registry.async_update_device(device.id, name=camera.name)

    async def serve(
        self, handler: UploadHandler, request: web.Request, username: str
    ) -> web.StreamResponse:
        """Run an upload request on Home Assistant's server; stopping the hub cuts it off."""
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - aiohttp runs every handler in a task
        self._requests.add(task)
        try:
            return await handler(request, username)
        finally:
            self._requests.discard(task)

    async def async_handle_shutdown(self, event: Event) -> None:
        """Home Assistant is stopping."""
        del event
        await self.async_stop()

    async def async_stop(self) -> None:
        """Release the ports, end open uploads and live views, then write what is unsaved."""
        if self._stopped:
            return
        self._stopped = True
        await self.receiver.stop()
        # A stream pushed to Home Assistant's port must reconnect to the next hub, with the
        # login it has then.
        if self._requests:
            for task in self._requests:
                task.cancel()
            await asyncio.wait(self._requests, timeout=REQUEST_STOP_TIMEOUT)
        for feed in self.feeds.values():
            feed.close()
        if self._save_task is not None:
            self._save_task.cancel()
            self._save_task = None
        await self._save_unsaved()
        if self._saver is not None:
            await self._saver.close()

    def bound_ports(self) -> set[int]:
        """The ports the receiver listens on now."""
        ports = {self.receiver.ftp_port, self.receiver.http_port}
        return {port for port in ports if port}

    async def _save_periodically(self) -> None:
        while True:
            await asyncio.sleep(LAST_FRAME_SAVE_INTERVAL)
            await self._save_unsaved()

    async def _save_unsaved(self) -> None:
        pending = {
            camera_id: frame
            for camera_id in self._unsaved
            if (frame := self.feeds[camera_id].latest) is not None
        }
        self._unsaved.clear()
        if pending:
            await self.hass.async_add_executor_job(self._save_frames, pending)

    def _save_frames(self, frames: dict[str, Frame]) -> None:
        with self._save_lock:
            for camera_id, frame in frames.items():
                if camera_id not in self.cameras:
                    continue  # removed since: its frame is not kept
                try:
                    self.store.save(camera_id, frame)
                except OSError:
                    _LOGGER.exception(
                        "Cannot keep the last frame of %s", self.cameras[camera_id].name
                    )

    @callback
    def _receive(self, item: ReceivedFrame | ReceivedFile) -> None:
        camera = self.cameras.get(item.camera_id)
        if camera is None:
            return
        if self._saver is not None:
            self._saver.submit(camera.archive_folder, item)
        if isinstance(item, ReceivedFile):
            _LOGGER.debug("%s uploaded %s (%d bytes)", camera.name, item.file_name, len(item.data))
            return
        if camera.subentry_id not in self._trusted:
            self._clear_auth_failures(camera)
        self.feeds[camera.subentry_id].push(
            Frame(
                data=item.data,
                received_at=item.received_at,
                source=item.source,
                file_name=item.file_name,
            )
        )
        self._unsaved.add(camera.subentry_id)
        self._fire_event(camera, item)

    def _fire_event(self, camera: ReceiverCamera, frame: ReceivedFrame) -> None:
        if frame.source == "mjpeg":
            now = time.monotonic()
            if now - self._last_stream_event.get(camera.subentry_id, -1e9) < STREAM_EVENT_INTERVAL:
                return
            self._last_stream_event[camera.subentry_id] = now
        device = dr.async_get(self.hass).async_get_device(
            identifiers={(DOMAIN, camera.subentry_id)}
        )
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "camera", DOMAIN, camera.subentry_id
        )
        self.hass.bus.async_fire(
            EVENT_IMAGE_RECEIVED,
            {
                "entity_id": entity_id,
                "device_id": device.id if device else None,
                "camera": camera.name,
                "source": frame.source,
                "file_name": frame.file_name,
                "size": len(frame.data),
            },
        )

    def _camera_by_username(self, username: str) -> ReceiverCamera | None:
        return next((c for c in self.cameras.values() if c.username == username), None)

    @callback
    def _auth_failed(self, username: str, address: str, source: Source) -> None:
        camera = self._camera_by_username(username)
        if camera is None:
            return
        self._trusted.discard(camera.subentry_id)
        now = time.monotonic()
        failures = self._auth_failures.setdefault(
            (camera.subentry_id, address), deque(maxlen=AUTH_FAILURES_FOR_ISSUE)
        )
        failures.append(now)
        if len(failures) == AUTH_FAILURES_FOR_ISSUE and now - failures[0] < AUTH_FAILURE_WINDOW:
            _LOGGER.warning(
                "%s keeps failing to log in over %s from %s", camera.name, source, address
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                wrong_password_issue_id(camera.subentry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="wrong_password",
                translation_placeholders={"camera": camera.name, "address": address},
            )

    def _clear_auth_failures(self, camera: ReceiverCamera) -> None:
        """The camera got in: forget its failures and withdraw its issue (kept across restarts)."""
        self._trusted.add(camera.subentry_id)
        for key in [key for key in self._auth_failures if key[0] == camera.subentry_id]:
            del self._auth_failures[key]
        ir.async_delete_issue(self.hass, DOMAIN, wrong_password_issue_id(camera.subentry_id))
