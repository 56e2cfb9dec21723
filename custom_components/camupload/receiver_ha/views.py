"""Sensr's upload paths on Home Assistant's own web server: /photo/<user> and /upload/<user>.

The camera authenticates with Basic auth against its own login, so these views skip Home
Assistant's auth, and answer a wrong password with a plain 401 (raising HTTPUnauthorized would
make Home Assistant notify the user of every attempt).
"""

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from custom_components.camupload.const import DOMAIN, RECEIVER_UNIQUE_ID
from custom_components.camupload.runtime import ReceiverRuntimeData

from .hub import ReceiverHub

NOT_SERVING = "camupload: this Home Assistant does not receive HTTP uploads here\n"


def serving_hub(hass: HomeAssistant) -> ReceiverHub | None:
    """The loaded receiver's hub when it serves HTTP on Home Assistant's port."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, RECEIVER_UNIQUE_ID)
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    runtime = entry.runtime_data
    if (
        not isinstance(runtime, ReceiverRuntimeData)
        or not runtime.hub.settings.http_on_home_assistant
    ):
        return None
    return runtime.hub


class _UploadView(HomeAssistantView):
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass


class PhotoUploadView(_UploadView):
    """POST or PUT one JPEG to /photo/<username>."""

    url = "/photo/{username}"
    name = "camupload:photo"

    async def post(self, request: web.Request, username: str) -> web.StreamResponse:
        """Receive a photo."""
        if (hub := serving_hub(self.hass)) is None:
            return web.Response(status=404, text=NOT_SERVING)
        return await hub.serve(hub.receiver.http.handle_photo, request, username)

    put = post  # curl -T sends PUT


class StreamUploadView(_UploadView):
    """POST an MJPEG stream to /upload/<username>."""

    url = "/upload/{username}"
    name = "camupload:upload"

    async def post(self, request: web.Request, username: str) -> web.StreamResponse:
        """Receive a stream."""
        if (hub := serving_hub(self.hass)) is None:
            return web.Response(status=404, text=NOT_SERVING)
        return await hub.serve(hub.receiver.http.handle_mjpeg, request, username)
