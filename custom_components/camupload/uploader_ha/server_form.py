"""The "Upload server" part of the config flow: add (after a login), reconfigure, reauthenticate."""

import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_ENTRY_KIND,
    CONF_HTTP_PATH,
    CONF_PASSIVE,
    CONF_PROTOCOL,
    CONF_VERIFY_TLS,
    DEFAULT_PORTS,
    EntryKind,
    Protocol,
)
from .upload_settings import server_destination
from .uploader.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    UploadError,
)
from .uploader.ftp_client import FtpClient
from .uploader.http_client import HttpSender
from .uploader.model import Destination, OutgoingFile, RemoteFile
from .uploader.network_test import TEST_DATA, TEST_FILE_NAME

_LOGGER = logging.getLogger(__name__)

LOGIN_TIMEOUT = 15.0  # seconds per step of the login check

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
)
PASSWORD_SELECTOR = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)


def _suggested(value: object) -> dict[str, object] | None:
    """Show a value without making it a default: a field the user empties stays empty."""
    return {"suggested_value": value} if value else None


def server_schema(current: Mapping[str, Any], *, password: str = "") -> vol.Schema:
    """The server form, filled with current values.

    The stored password is never sent to the browser; `password` is what the user typed into
    this form, shown again after an error.
    """
    return vol.Schema(
        {
            vol.Required(
                CONF_PROTOCOL, default=current.get(CONF_PROTOCOL, Protocol.FTP)
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[p.value for p in Protocol], translation_key=CONF_PROTOCOL
                )
            ),
            vol.Required(CONF_HOST, default=current.get(CONF_HOST, "")): selector.TextSelector(),
            vol.Optional(CONF_PORT, description=_suggested(current.get(CONF_PORT))): PORT_SELECTOR,
            vol.Optional(
                CONF_USERNAME, description=_suggested(current.get(CONF_USERNAME))
            ): selector.TextSelector(),
            vol.Optional(CONF_PASSWORD, description=_suggested(password)): PASSWORD_SELECTOR,
            vol.Required(
                CONF_PASSIVE, default=current.get(CONF_PASSIVE, True)
            ): selector.BooleanSelector(),
            vol.Required(
                CONF_VERIFY_TLS, default=current.get(CONF_VERIFY_TLS, True)
            ): selector.BooleanSelector(),
            vol.Optional(
                CONF_HTTP_PATH, description=_suggested(current.get(CONF_HTTP_PATH))
            ): selector.TextSelector(),
        }
    )


def server_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The entry data for a submitted form."""
    protocol = Protocol(user_input[CONF_PROTOCOL])
    return {
        CONF_ENTRY_KIND: EntryKind.SERVER,
        CONF_PROTOCOL: protocol,
        CONF_HOST: user_input[CONF_HOST].strip(),
        CONF_PORT: int(user_input.get(CONF_PORT) or DEFAULT_PORTS[protocol]),
        CONF_USERNAME: user_input.get(CONF_USERNAME, "").strip(),
        CONF_PASSWORD: user_input.get(CONF_PASSWORD) or "",
        CONF_PASSIVE: user_input[CONF_PASSIVE],
        CONF_VERIFY_TLS: user_input.get(CONF_VERIFY_TLS, True),
        CONF_HTTP_PATH: user_input.get(CONF_HTTP_PATH, "").strip(),
    }


def keeps_password(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether an empty password field keeps the stored one: same protocol, server and user.

    Anything else would send the secret to another server, or as another (anonymous) user.
    """
    return all(
        before.get(key) == after.get(key) for key in (CONF_PROTOCOL, CONF_HOST, CONF_USERNAME)
    )


def typed_password(user_input: Mapping[str, Any] | None) -> str:
    """The password typed into a submitted form, empty before the first submit."""
    return str((user_input or {}).get(CONF_PASSWORD) or "")


def server_unique_id(data: Mapping[str, Any]) -> str:
    """One entry per protocol, user, host and port."""
    return f"{data[CONF_PROTOCOL]}://{data[CONF_USERNAME]}@{data[CONF_HOST]}:{data[CONF_PORT]}"


def server_title(data: Mapping[str, Any]) -> str:
    """The entry's title: user@host, or the host alone."""
    username, host = data[CONF_USERNAME], data[CONF_HOST]
    return f"{username}@{host}" if username else str(host)


def error_key(err: UploadError) -> str:
    """The form error (and translation key) for an engine error."""
    if isinstance(err, AuthenticationError):
        return "invalid_auth"
    if isinstance(err, PermissionDeniedError):
        return "permission_denied"
    if isinstance(err, ProtocolError):
        return "protocol_error"
    return "cannot_connect"  # UploadConnectionError, or an unresolvable name


async def async_check_login(hass: HomeAssistant, destination: Destination) -> None:
    """Log in (FTP) or send the small test image (HTTP); raise UploadError when refused."""
    if destination.protocol.is_ftp:
        client = FtpClient(destination, timeout=LOGIN_TIMEOUT)
        try:
            await client.connect()
            await client.login()
        finally:
            await client.quit()
        return
    sender = HttpSender(destination, session=async_get_clientsession(hass), timeout=LOGIN_TIMEOUT)
    await sender.upload(OutgoingFile(remote=RemoteFile(name=TEST_FILE_NAME), data=TEST_DATA))


class ServerFlow(ConfigFlow):
    """The steps of an "Upload server" entry; the main flow inherits them."""

    async def _async_login_errors(
        self, data: Mapping[str, Any], placeholders: dict[str, str]
    ) -> dict[str, str]:
        try:
            await async_check_login(self.hass, server_destination(data))
        except UploadError as err:
            _LOGGER.debug("Login check of %s failed: %s", data[CONF_HOST], err)
            placeholders["error"] = str(err)
            return {"base": error_key(err)}
        return {}

    async def async_step_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a destination server with its global options, once it lets us log in."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        current: Mapping[str, Any] = {}
        if user_input is not None:
            data = server_data(user_input)
            current = data
            await self.async_set_unique_id(server_unique_id(data))
            self._abort_if_unique_id_configured()
            errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_create_entry(title=server_title(data), data=data)
        return self.async_show_form(
            step_id=EntryKind.SERVER,
            data_schema=server_schema(current, password=typed_password(user_input)),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change a server's options; an empty password keeps the current one for the same login."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_ENTRY_KIND) != EntryKind.SERVER:
            return self.async_abort(reason="use_options")
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        current: Mapping[str, Any] = entry.data
        if user_input is not None:
            data = server_data(user_input)
            if keeps_password(entry.data, data):
                data[CONF_PASSWORD] = data[CONF_PASSWORD] or entry.data.get(CONF_PASSWORD, "")
            current = data
            if (unique_id := server_unique_id(data)) != entry.unique_id:
                # Moved onto another server: that one must not be configured already.
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
            if not data[CONF_PASSWORD] and entry.data.get(CONF_PASSWORD):
                errors = {CONF_PASSWORD: "password_needed"}
            else:
                errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, unique_id=server_unique_id(data), title=server_title(data), data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=server_schema(current, password=typed_password(user_input)),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the password: ask for a new one."""
        del entry_data
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new password, then save it and reload."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"error": "", "server": entry.title}
        if user_input is not None:
            data = {**entry.data, CONF_PASSWORD: user_input.get(CONF_PASSWORD, "")}
            errors = await self._async_login_errors(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_PASSWORD, default=""): PASSWORD_SELECTOR}),
            errors=errors,
            description_placeholders=placeholders,
        )
