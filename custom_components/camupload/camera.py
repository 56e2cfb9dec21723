"""Camera entities: one per receiver camera, showing the latest uploaded frame."""

from contextlib import aclosing
from datetime import timedelta
from typing import Any

from aiohttp import web
from homeassistant.components.camera import Camera, CameraEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import ReceiverCameraEntity, add_entry_entities
from .receiver_ha.hub import ReceiverCamera, ReceiverHub
from .receiver_ha.placeholder import placeholder_jpeg
from .runtime import CamuploadConfigEntry

MJPEG_BOUNDARY = "frameboundary"
# What opens each part of the live view; a frame is followed by the end of its part and this.
PART_HEAD = f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n".encode()
NEXT_PART = b"\r\n" + PART_HEAD

# Push entities: Home Assistant never polls them.
PARALLEL_UPDATES = 0

# The device's own entity, named as the device (the camera's name).
CAMERA = CameraEntityDescription(key="camera", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CamuploadConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a camera entity for every camera subentry of the receiver."""
    del hass
    add_entry_entities(
        entry,
        async_add_entities,
        camera_entities=lambda hub, camera: [UploadCamera(hub=hub, camera=camera)],
    )


class UploadCamera(ReceiverCameraEntity, Camera):
    """The latest frame a camera pushed; a live view that sends each frame as it arrives."""

    def __init__(self, *, hub: ReceiverHub, camera: ReceiverCamera) -> None:
        """Show camera's feed."""
        super().__init__(hub=hub, camera=camera, description=CAMERA)
        # The subentry's id alone, as ever: the hub finds the camera of an upload by it.
        self._attr_unique_id = camera.subentry_id
        self.content_type = "image/jpeg"
        self._idle_after = hub.settings.idle_after

    @property
    def is_streaming(self) -> bool:
        """Streaming while frames keep arriving, idle after a quiet period."""
        return self.window_left(self._idle_after) is not None

    def state_expires_in(self) -> timedelta | None:
        """Until the camera turns idle."""
        return self.window_left(self._idle_after)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When, how and under which name the latest frame arrived."""
        latest = self.feed.latest
        if latest is None:
            return {}
        return {
            "last_frame_at": latest.received_at.isoformat(),
            "source": latest.source,
            "file_name": latest.file_name,
        }

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The latest frame (Home Assistant scales it), or a placeholder before the first."""
        del width, height
        if (latest := self.feed.latest) is not None:
            return latest.data
        return await self.hass.async_add_executor_job(placeholder_jpeg)

    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse:
        """Push every frame to the viewer as it arrives, rather than polling.

        Browsers draw a multipart part only once the next part begins, so each frame is
        followed at once by the next part's boundary and headers: a still camera's single
        upload shows now, not when the next one comes. Parts carry no Content-Length, since
        the next frame's length is not known when its headers go out.
        """
        response = web.StreamResponse()
        response.content_type = "multipart/x-mixed-replace"
        response.headers["Content-Type"] = f"multipart/x-mixed-replace;boundary={MJPEG_BOUNDARY}"
        await response.prepare(request)
        try:
            await response.write(PART_HEAD)
            if self.feed.latest is None:
                placeholder = await self.hass.async_add_executor_job(placeholder_jpeg)
                await response.write(placeholder + NEXT_PART)
            async with aclosing(self.feed.stream()) as frames:
                async for frame in frames:
                    await response.write(frame.data + NEXT_PART)
        except ConnectionResetError:
            pass  # the viewer closed the page
        return response
