"""Camera subentries of the receiver: an upload-only login per camera, and what to type in."""

import secrets
from typing import Any

import voluptuous as vol
from homeassistant.components import network
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import selector
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import slugify

from .const import (
    CONF_CAMERA_NAME,
    CONF_FTP_PORT,
    CONF_HTTP_ON_HA,
    CONF_HTTP_PORT,
    CONF_LISTEN_ADDRESS,
    CONF_PUBLIC_ADDRESS,
    CONF_REGENERATE_PASSWORD,
    PASSWORD_BYTES,
    RECEIVER_DEFAULTS,
)

MAX_USERNAME_LENGTH = 32


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
    hass: HomeAssistant, options: dict[str, Any], username: str, password: str
) -> dict[str, str]:
    """What the user types into the camera, as description placeholders."""
    options = {**RECEIVER_DEFAULTS, **options}
    host = await _camera_facing_host(hass, options)
    if options[CONF_HTTP_PORT]:
        base = f"http://{host}:{options[CONF_HTTP_PORT]}"
    elif options[CONF_HTTP_ON_HA]:
        try:
            base = get_url(hass, allow_external=False, allow_cloud=False)
        except NoURLAvailableError:
            base = f"http://{host}:8123"
    else:
        base = ""
    photo = f"{base}/photo/{username}" if base else "-"
    push = f"{base}/upload/{username}" if base else "-"
    if base:
        scheme, _, rest = base.partition("://")
        curl = (
            f'curl -T image.jpg -H "Content-Type: image/jpeg" '
            f"{scheme}://{username}:{password}@{rest}/photo/{username}"
        )
    else:
        curl = f"curl -T image.jpg ftp://{username}:{password}@{host}:{options[CONF_FTP_PORT]}/"
    return {
        "host": host,
        "ftp_port": str(options[CONF_FTP_PORT]),
        "username": username,
        "password": password,
        "photo_url": photo,
        "mjpeg_url": push,
        "curl": curl,
    }


async def _camera_facing_host(hass: HomeAssistant, options: dict[str, Any]) -> str:
    """The address a camera should upload to."""
    if options[CONF_PUBLIC_ADDRESS]:
        return str(options[CONF_PUBLIC_ADDRESS])
    listen = str(options[CONF_LISTEN_ADDRESS])
    if listen not in ("0.0.0.0", "::"):  # noqa: S104 - comparing, not binding
        return listen
    try:
        return await network.async_get_source_ip(hass)
    except HomeAssistantError:
        return "HOME_ASSISTANT_ADDRESS"


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
            self.hass, dict(self._get_entry().options), self._username, self._password
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for the camera's name, then allocate its login."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_CAMERA_NAME].strip()
            if not name:
                errors[CONF_CAMERA_NAME] = "name_required"
            else:
                self._name = name
                self._username = derive_username(name, self._taken_usernames())
                self._password = new_password()
                return await self.async_step_credentials()
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema({vol.Required(CONF_CAMERA_NAME): selector.TextSelector()}),
            errors=errors,
        )

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show what to type into the camera; submitting creates it."""
        if user_input is not None:
            return self.async_create_entry(
                title=self._name,
                data={CONF_USERNAME: self._username, CONF_PASSWORD: self._password},
                unique_id=self._username,
            )
        return self.async_show_form(
            step_id="credentials",
            data_schema=vol.Schema({}),
            description_placeholders=await self._details(),
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
