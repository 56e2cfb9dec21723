"""The "Upload server" form: its fields, what they become, and the login check before saving.

The steps that show it (add, reconfigure, reauthenticate) are in config_flow.py.
"""

import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from custom_components.camupload.const import (
    CONF_ENTRY_KIND,
    CONF_HTTP_PATH,
    CONF_PASSIVE,
    CONF_PROTOCOL,
    CONF_VERIFY_TLS,
    EntryKind,
)
from custom_components.camupload.uploader.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProtocolError,
    UploadError,
)
from custom_components.camupload.uploader.ftp_client import FtpClient
from custom_components.camupload.uploader.http_client import HttpSender
from custom_components.camupload.uploader.model import (
    DEFAULT_PORTS,
    Destination,
    OutgoingFile,
    Protocol,
    RemoteFile,
)
from custom_components.camupload.uploader.network_test import TEST_DATA, TEST_FILE_NAME

_LOGGER = logging.getLogger(__name__)

LOGIN_TIMEOUT = 15.0  # seconds per step of the login check

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
)
PASSWORD_SELECTOR = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)
# The fields of the server form, which are the server entry's data besides its kind.
SERVER_FIELDS = (
    CONF_PROTOCOL,
    CONF_HOST,
    CONF_PORT,
    CONF_USERNAME,
    CONF_PASSWORD,
    CONF_PASSIVE,
    CONF_VERIFY_TLS,
    CONF_HTTP_PATH,
)


def server_schema() -> vol.Schema:
    """The server form with its defaults; a flow shows values with shown_values()."""
    return vol.Schema(
        {
            vol.Required(CONF_PROTOCOL, default=Protocol.FTP): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[p.value for p in Protocol], translation_key=CONF_PROTOCOL
                )
            ),
            vol.Required(CONF_HOST, default=""): selector.TextSelector(),
            vol.Optional(CONF_PORT): PORT_SELECTOR,
            vol.Optional(CONF_USERNAME): selector.TextSelector(),
            vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
            vol.Required(CONF_PASSIVE, default=True): selector.BooleanSelector(),
            vol.Required(CONF_VERIFY_TLS, default=True): selector.BooleanSelector(),
            vol.Optional(CONF_HTTP_PATH): selector.TextSelector(),
        }
    )


def shown_values(current: Mapping[str, Any], *, password: str = "") -> dict[str, Any]:
    """The values the server form shows, as suggested values; an empty one is left out.

    The stored password is never sent to the browser; `password` is what the user typed into
    this form, shown again after an error. A field left out shows empty (or its default),
    and a field the user empties is left out of the submission.
    """
    shown = {
        key: value
        for key, value in current.items()
        if key in SERVER_FIELDS and key != CONF_PASSWORD and value not in ("", None)
    }
    if password:
        shown[CONF_PASSWORD] = password
    return shown


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
