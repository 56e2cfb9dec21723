"""One upload profile at run time: frames in, named files out through a spooling dispatcher."""

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from custom_components.camupload.const import (
    DOMAIN,
    PROFILE_FAILURE_ISSUE_AFTER,
    FileType,
    Schedule,
)
from custom_components.camupload.shared.frame import Frame
from custom_components.camupload.uploader.clip import build_clip, select_frames
from custom_components.camupload.uploader.dispatcher import Dispatcher
from custom_components.camupload.uploader.errors import AuthenticationError, UploadError
from custom_components.camupload.uploader.imaging import apply_image_profile
from custom_components.camupload.uploader.model import Destination, OutgoingFile, UploadResult
from custom_components.camupload.uploader.network_test import (
    TEST_FILE_NAME,
    NetworkTestLog,
    run_network_test,
)
from custom_components.camupload.uploader.sender import open_sender
from custom_components.camupload.uploader.session import StreamingSession
from custom_components.camupload.uploader.spool import SpoolEntry, SpoolQueue
from custom_components.camupload.uploader.templates import NamingContext

from .clip_frames import CAMERA_TIMEOUT, FrameBuffer, FrameCollector
from .naming import NameTemplateError, render_remote_file
from .settings import ProfileSettings
from .status import (
    Delivery,
    ProfileStatus,
    ProfileUpload,
    events_store_key,
    failing_issue_id,
    spool_directory,
)

_LOGGER = logging.getLogger(__name__)

EVENTS_STORAGE_VERSION = 1
# While the spool is not empty, a "fastest" schedule waits this long before trying again.
FASTEST_PAUSE = 1.0
MJPEG_CONTENT_TYPE = "video/x-motion-jpeg"


class ProfileRunner:
    """Uploads one profile's files; keeps its frame buffer, schedule, event numbers and status."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        subentry: ConfigSubentry,
        server: Destination,
    ) -> None:
        """Prepare the profile; nothing runs until async_start()."""
        self.hass = hass
        self.entry = entry
        self.subentry_id = subentry.subentry_id
        self.settings = ProfileSettings.from_data(subentry.title, subentry.data)
        self.destination = self.settings.profile.resolve(server)
        self.streaming = self.settings.streaming or self.settings.schedule is Schedule.FASTEST
        self.sender = open_sender(
            self.destination,
            streaming=self.streaming,
            http_session=async_get_clientsession(hass),
        )
        self.spool = SpoolQueue(spool_directory(hass, self.subentry_id), on_drop=self._dropped)
        self.dispatcher = Dispatcher(
            self.sender, self.spool, on_delivered=self._delivered, on_failure=self._failed
        )
        self.status = ProfileStatus()
        self._delivered_since_start = False
        self.event_number = 0
        self._events: Store[dict[str, int]] = Store(
            hass, EVENTS_STORAGE_VERSION, events_store_key(self.subentry_id)
        )
        self.buffer: FrameBuffer | None = None
        self._collector: FrameCollector | None = None
        self.scheduled = False
        self._unsub_interval: CALLBACK_TYPE | None = None
        self._schedule_task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    @property
    def name(self) -> str:
        """The profile's name."""
        return self.settings.name

    @property
    def connected(self) -> bool:
        """Whether the streaming connection is open now."""
        return isinstance(self.sender, StreamingSession) and self.sender.connected

    @property
    def queued(self) -> int:
        """Files waiting in the spool."""
        return len(self.spool)

    async def async_start(self) -> None:
        """Open the spool (delivering what it holds), restore the event number, buffer frames."""
        stored = await self._events.async_load()
        self.event_number = int((stored or {}).get("event", 0))
        await self.dispatcher.start()
        if self.settings.keeps_buffer:
            clip = self.settings.clip
            self.buffer = FrameBuffer(clip.seconds_before + clip.seconds_after, clip.frame_rate)
            self._collector = FrameCollector(
                self.hass, self.entry, self.settings.camera, self.buffer
            )
            self._collector.start()

    async def async_stop(self) -> None:
        """Stop the schedule, the buffer and the dispatcher; spooled files stay on disk."""
        self.set_scheduled(enabled=False)
        if self._collector is not None:
            await self._collector.stop()
        await self.dispatcher.stop()

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener when the status changes; returns the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # Schedule.

    @callback
    def set_scheduled(self, *, enabled: bool) -> None:
        """Turn the profile's schedule (its time task) on or off."""
        self.scheduled = enabled
        if self._unsub_interval is not None:
            self._unsub_interval()
            self._unsub_interval = None
        if self._schedule_task is not None:
            self._schedule_task.cancel()
            self._schedule_task = None
        if not enabled:
            return
        if self.settings.schedule is Schedule.INTERVAL:
            self._unsub_interval = async_track_time_interval(
                self.hass,
                self._tick,
                timedelta(seconds=self.settings.interval),
                name=f"camupload {self.name} schedule",
                cancel_on_shutdown=True,
            )
        elif self.settings.schedule is Schedule.FASTEST:
            self._schedule_task = self.entry.async_create_background_task(
                self.hass, self._fastest(), f"camupload {self.name} fastest"
            )

    @callback
    def _tick(self, _now: datetime) -> None:
        if self._schedule_task is not None and not self._schedule_task.done():
            return  # the last scheduled upload is still running: skip, never pile up
        self._schedule_task = self.entry.async_create_background_task(
            self.hass, self._scheduled_upload(), f"camupload {self.name} scheduled upload"
        )

    async def _fastest(self) -> None:
        while True:
            if self.queued:
                # The server is away: let the spool drain rather than pile up a frame a second.
                await self.dispatcher.wait_empty()
            if not await self._try_upload():
                await asyncio.sleep(FASTEST_PAUSE)

    async def _scheduled_upload(self) -> None:
        await self._try_upload()

    async def _try_upload(self) -> bool:
        # One warning per outage; the next ones go to the debug log.
        level = logging.DEBUG if self.status.failing_since is not None else logging.WARNING
        try:
            await self.async_upload()
        except HomeAssistantError as err:
            _LOGGER.log(level, "Scheduled upload of %s failed: %s", self.name, err)
            return False
        except Exception:  # a schedule must outlive any one upload; the next one backs off
            _LOGGER.exception("Scheduled upload of %s failed unexpectedly", self.name)
            return False
        return True

    # Uploads.

    async def async_upload(
        self,
        *,
        event: bool = False,
        camera: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> ProfileUpload:
        """Upload the current image, or with event=True the clip around a new event.

        Each event takes its own number at once, so concurrent events never share one.

        Raises:
            ServiceValidationError: a name template cannot be rendered.
            HomeAssistantError: no image from the camera, or the server refused (the files wait
                in the spool and are retried).
        """
        entity_id = camera or self.settings.camera
        event_number = self.event_number
        if event:
            self.event_number += 1
            event_number = self.event_number
            await self._events.async_save({"event": event_number})
        try:
            frames, event_time = await self._frames(entity_id, event=event)
        except HomeAssistantError as err:
            self._record_failure(str(err))
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="camera_unavailable",
                translation_placeholders={"camera": entity_id, "error": str(err)},
            ) from err
        files = await self._files(entity_id, frames, event_time, event_number, variables or {})
        deliveries = tuple([await self._send(file) for file in files])
        spooled = [delivery for delivery in deliveries if delivery.spooled]
        if spooled:
            error = self.dispatcher.last_error
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="upload_spooled",
                translation_placeholders={
                    "profile": self.name,
                    "count": str(len(spooled)),
                    "error": str(error) if error else "files are still waiting in the spool",
                },
            )
        return ProfileUpload(event=event_number if event else None, deliveries=deliveries)

    async def _frames(self, entity_id: str, *, event: bool) -> tuple[list[Frame], datetime | None]:
        """The frames to send, and the event time when they form a clip."""
        clip = self.settings.clip
        if event and self.settings.file_type is not FileType.IMAGE:
            event_time = dt_util.utcnow()
            buffer, collector = self.buffer, None
            if buffer is None or entity_id != self.settings.camera:
                buffer = FrameBuffer(clip.seconds_after, clip.frame_rate)
                collector = FrameCollector(self.hass, self.entry, entity_id, buffer)
                collector.start()
            try:
                await asyncio.sleep(clip.seconds_after)
            finally:
                if collector is not None:
                    await collector.stop()
            chosen = select_frames(buffer.frames(), event_time, clip)
            if chosen:
                return chosen, event_time
        image = await async_get_image(self.hass, entity_id, timeout=CAMERA_TIMEOUT)
        return [Frame(data=image.content, received_at=dt_util.utcnow())], None

    async def _files(
        self,
        entity_id: str,
        frames: list[Frame],
        event_time: datetime | None,
        event_number: int,
        variables: Mapping[str, str],
    ) -> list[OutgoingFile]:
        state = self.hass.states.get(entity_id)
        camera_name = str(state.name) if state is not None else entity_id
        settings = self.settings
        content_type = "image/jpeg"
        payloads: list[tuple[Frame, bytes]]
        if event_time is not None:
            datas = build_clip(frames, event_time, settings.clip)
            if settings.file_type is FileType.CLIP_MJPEG:
                content_type = MJPEG_CONTENT_TYPE
            payloads = list(zip(frames, datas, strict=False))
        elif settings.file_type is FileType.IMAGE:
            latest = frames[-1]
            try:
                data = await self.hass.async_add_executor_job(
                    lambda: apply_image_profile(
                        latest.data,
                        settings.image,
                        camera_name=camera_name,
                        when=dt_util.as_local(latest.received_at),
                    )
                )
            except (OSError, ValueError) as err:  # Pillow: not an image, or a broken one
                self._record_failure(str(err))
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="image_unreadable",
                    translation_placeholders={"camera": entity_id, "error": str(err)},
                ) from err
            payloads = [(latest, data)]
        else:
            payloads = [(frame, frame.data) for frame in frames]
        files = []
        for number, (frame, data) in enumerate(payloads):
            context = NamingContext(
                camera_name=camera_name,
                when=dt_util.as_local(frame.received_at),
                frame=number,
                event=event_number,
                profile_name=self.name,
                profile_number=settings.profile.number,
            )
            try:
                remote = render_remote_file(self.hass, settings.profile, context, variables)
            except NameTemplateError as err:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="bad_name",
                    translation_placeholders={"error": str(err)},
                ) from err
            files.append(OutgoingFile(remote=remote, data=data, content_type=content_type))
        return files

    async def _send(self, file: OutgoingFile) -> Delivery:
        try:
            result = await self.dispatcher.submit(file)
        except OSError as err:  # the spool could not keep the file (disk full, permissions)
            self._record_failure(str(err))
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="spool_unwritable",
                translation_placeholders={"profile": self.name, "error": str(err)},
            ) from err
        if result is None:
            self._changed()
            return Delivery(
                destination=self.destination.url + file.remote.path,
                path=file.remote.path,
                bytes=len(file.data),
                milliseconds=0,
                spooled=True,
            )
        return Delivery(
            destination=result.url,
            path=result.path,
            bytes=result.size,
            milliseconds=round(result.seconds * 1000),
            spooled=False,
        )

    async def async_network_test(self) -> NetworkTestLog:
        """Run the network test towards this profile's destination and directory."""
        state = self.hass.states.get(self.settings.camera)
        context = NamingContext(
            camera_name=str(state.name) if state is not None else self.settings.camera,
            when=dt_util.now(),
            event=self.event_number,
            profile_name=self.name,
        )
        # Only the directory matters: the file name may need variables only an action gives.
        profile = dataclasses.replace(self.settings.profile, file_name=TEST_FILE_NAME)
        try:
            directory = render_remote_file(self.hass, profile, context).directory
        except NameTemplateError:
            directory = ()
        log = await run_network_test(self.destination, directory)
        for line in log.lines():
            _LOGGER.info("Network test of %s: %s", self.name, line)
        self.record_network_test(log)
        return log

    @callback
    def record_network_test(self, log: NetworkTestLog) -> None:
        """Show a failed step as the last error; a passed test clears it."""
        failed = log.failed_step
        self.status.last_error = f"{failed.name}: {failed.detail}" if failed else None
        self._changed()

    # Status.

    @callback
    def _delivered(self, result: UploadResult) -> None:
        status = self.status
        today = dt_util.now().date()
        if status.day != today:
            status.day, status.uploads_today = today, 0
        status.uploads_today += 1
        status.last_upload = dt_util.utcnow()
        status.last_destination = result.url
        status.last_path = result.path
        status.last_error = None
        if status.failing_since is not None or not self._delivered_since_start:
            # An issue may also be left from before a restart.
            status.failing_since = None
            self._delivered_since_start = True
            ir.async_delete_issue(self.hass, DOMAIN, failing_issue_id(self.subentry_id))
        self._changed()

    @callback
    def _failed(self, file: OutgoingFile, err: UploadError) -> None:
        del file
        self._record_failure(str(err))
        profile = self.settings.profile
        if isinstance(err, AuthenticationError) and not (profile.username or profile.password):
            self.entry.async_start_reauth(self.hass)

    @callback
    def _dropped(self, entry: SpoolEntry) -> None:
        """The spool was full and lost its oldest file (the engine logs it): show it too."""
        self._record_failure(f"spool full, dropped {entry.file.remote.path}")

    @callback
    def _record_failure(self, message: str) -> None:
        status = self.status
        status.last_error = message
        now = dt_util.utcnow()
        if status.failing_since is None:
            status.failing_since = now
        elif (now - status.failing_since).total_seconds() >= PROFILE_FAILURE_ISSUE_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                failing_issue_id(self.subentry_id),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="profile_failing",
                translation_placeholders={"profile": self.name, "error": message},
            )
        self._changed()
