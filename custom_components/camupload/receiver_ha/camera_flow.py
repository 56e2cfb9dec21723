"""Camera subentries of the receiver: an upload-only login per camera, and what to type in."""

import contextlib
import ipaddress
import secrets
from typing import Any

import voluptuous as vol
from homeassistant.components import network
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import selector
from homeassistant.util import slugify
from yarl import URL

from custom_components.camupload.const import (
    CONF_CAMERA_NAME,
    CONF_REGENERATE_PASSWORD,
    PASSWORD_BYTES,
)

from .settings import ReceiverSettings

MAX_USERNAME_LENGTH = 32
# Home Assistant's usual port, for the rare moment its HTTP server has not reported its own.
DEFAULT_HA_PORT = 8123
# Shown when no address of this machine can be found, so the user knows what goes there.
UNKNOWN_HOST = "HOME_ASSISTANT_ADDRESS"


def new_password() -> str:
    """A random upload password (16 URL-safe characters, so it fits in a URL unquoted)."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def derive_username(name: str, taken: set[str]) -> str:
    """A login derived from the camera's name, unique among the receiver's cameras."""
    # slugify() calls a name with no letters or digits "unknown"; "camera" says more.
    base = slugify(name)[:MAX_USERNAME_LENGTH].strip("_") if any(c.isalnum() for c in name) else ""
    base = base or "camera"
    username, counter = base, 2
    while username in taken:
        suffix = f"_{counter}"
        username = base[: MAX_USERNAME_LENGTH - len(suffix)] + suffix
        counter += 1
    return username


async def connection_details(
    hass: HomeAssistant, settings: ReceiverSettings, username: str, password: str
) -> dict[str, str]:
    """What the user types into the camera, as description placeholders.

    FTP and HTTP name the same host, so the page never shows two addresses for one receiver.
    """
    host = await camera_facing_host(hass, settings)
    base = _http_base(hass, settings, host)
    photo = f"{base}/photo/{username}" if base else "-"
    target = photo if base else f"ftp://{_url_host(host)}:{settings.ftp_port}/"
    # One option a line: the dialog's code block does not wrap, so a long line is cut off.
    curl_lines = [
        "curl -T image.jpg",
        *(['  -H "Content-Type: image/jpeg"'] if base else []),
        f"  -u {username}:{password}",
        f"  {target}",
    ]
    return {
        "host": host,
        "ftp_port": str(settings.ftp_port),
        "username": username,
        "password": password,
        "photo_url": photo,
        "mjpeg_url": f"{base}/upload/{username}" if base else "-",
        "curl": " \\\n".join(curl_lines),
    }


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _http_base(hass: HomeAssistant, settings: ReceiverSettings, host: str) -> str:
    """Where HTTP uploads go on the camera-facing host; empty when HTTP uploads are off."""
    if settings.http_port:
        return f"http://{_url_host(host)}:{settings.http_port}"
    if not settings.http_on_home_assistant:
        return ""
    # Home Assistant's own server rather than its internal URL, which may be a proxy's.
    api = hass.config.api
    scheme = "https" if api is not None and api.use_ssl else "http"
    port = api.port if api is not None else DEFAULT_HA_PORT
    return f"{scheme}://{_url_host(host)}:{port}"


async def camera_facing_host(hass: HomeAssistant, settings: ReceiverSettings) -> str:
    """The one address a camera uploads to, by FTP and by HTTP alike.

    In this order: the address announced to cameras (set for NAT or Docker); the listen
    address when it is a single one, since the FTP server answers nowhere else; the address
    in Home Assistant's internal URL when the user gave an IP address there (a container's
    own address is useless to a camera, and cameras rarely resolve local names); the address
    of the interface Home Assistant reaches the network by.
    """
    if settings.public_address:
        return settings.public_address
    if not ipaddress.ip_address(settings.listen_address).is_unspecified:
        return settings.listen_address
    if hass.config.internal_url and (internal := URL(hass.config.internal_url).host):
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(internal))
    try:
        return await network.async_get_source_ip(hass)
    except HomeAssistantError:
        return UNKNOWN_HOST


class CameraSubentryFlow(ConfigSubentryFlow):
    """Adds a camera that pushes images, or renames one and changes its password."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._name = ""
        self._username = ""
        self._password = ""

    def _taken_usernames(self, skip: str | None = None) -> set[str]:
        return {
            sub.data[CONF_USERNAME]
            for sub in self._get_entry().subentries.values()
            if sub.subentry_id != skip and CONF_USERNAME in sub.data
        }

    async def _details(self) -> dict[str, str]:
        return await connection_details(
            self.hass,
            ReceiverSettings.from_entry(self._get_entry()),
            self._username,
            self._password,
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for the camera's name and add it with a new login.

        The camera is created on this submit, so closing the next dialog cannot lose it; that
        dialog shows the login once, and the camera's Reconfigure shows it again.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_CAMERA_NAME].strip()
            if not name:
                errors[CONF_CAMERA_NAME] = "name_required"
            else:
                self._username = derive_username(name, self._taken_usernames())
                self._password = new_password()
                return self.async_create_entry(
                    title=name,
                    data={CONF_USERNAME: self._username, CONF_PASSWORD: self._password},
                    unique_id=self._username,
                    description_placeholders={"name": name, **await self._details()},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema({vol.Required(CONF_CAMERA_NAME): selector.TextSelector()}),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show the camera's login; rename it or give it a new password."""
        subentry: ConfigSubentry = self._get_reconfigure_subentry()
        self._username = subentry.data[CONF_USERNAME]
        self._password = subentry.data[CONF_PASSWORD]
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_CAMERA_NAME].strip()
            if not name:
                errors[CONF_CAMERA_NAME] = "name_required"
            else:
                self._name = name
                if not user_input[CONF_REGENERATE_PASSWORD]:
                    return self._save_reconfigured(subentry)
                self._password = new_password()
                return await self.async_step_new_password()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_CAMERA_NAME, default=subentry.title): (
                        selector.TextSelector()
                    ),
                    vol.Required(CONF_REGENERATE_PASSWORD, default=False): (
                        selector.BooleanSelector()
                    ),
                }
            ),
            errors=errors,
            description_placeholders=await self._details(),
        )

    async def async_step_new_password(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show the new password before it replaces the old one."""
        if user_input is not None:
            return self._save_reconfigured(self._get_reconfigure_subentry())
        return self.async_show_form(
            step_id="new_password",
            data_schema=vol.Schema({}),
            description_placeholders=await self._details(),
        )

    def _save_reconfigured(self, subentry: ConfigSubentry) -> SubentryFlowResult:
        return self.async_update_and_abort(
            self._get_entry(),
            subentry,
            title=self._name,
            data={CONF_USERNAME: self._username, CONF_PASSWORD: self._password},
        )
