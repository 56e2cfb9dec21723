"""Failed FTP logins at the receiver, from ftplib on loopback: which ones raise a repair issue.

A camera of ours that keeps failing raises one (tests/test_receiver_http.py); a scanner trying
names no camera has raises none, and a camera removed with its issue open takes the issue along.
"""

import asyncio
import ftplib

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.camupload.const import AUTH_FAILURES_FOR_ISSUE, DOMAIN
from custom_components.camupload.receiver_ha.hub import wrong_password_issue_id
from tests.ports import free_port
from tests.receiver_setup import USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def _receiver(hass: HomeAssistant) -> tuple[MockConfigEntry, int]:
    port = free_port()
    entry = receiver_entry(port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, port


def _failed_login(port: int, username: str) -> str:
    """Log in with a wrong password; the server's reply."""
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=10)
        with pytest.raises(ftplib.error_perm) as refused:
            ftp.login(username, "not-the-password")
    return str(refused.value)


async def _failed_logins(hass: HomeAssistant, port: int, username: str, count: int) -> list[str]:
    """Fail `count` logins at once, each on its own connection (each waits out its delay)."""
    return list(
        await asyncio.gather(
            *(hass.async_add_executor_job(_failed_login, port, username) for _ in range(count))
        )
    )


def _our_issues(hass: HomeAssistant) -> list[str]:
    return [issue_id for domain, issue_id in ir.async_get(hass).issues if domain == DOMAIN]


async def test_logins_as_nobody_we_know_raise_no_issue(hass: HomeAssistant) -> None:
    """A scanner guessing "admin" and "root" is refused, and nobody is asked to repair it."""
    _entry, port = await _receiver(hass)
    for username in ("admin", "root"):
        replies = await _failed_logins(hass, port, username, AUTH_FAILURES_FOR_ISSUE)
        assert replies == ["530 login incorrect"] * AUTH_FAILURES_FOR_ISSUE
    await hass.async_block_till_done()
    assert _our_issues(hass) == []


async def test_removed_camera_takes_its_issue_along(hass: HomeAssistant) -> None:
    """The front door keeps failing and raises an issue; removing the camera withdraws it."""
    entry, port = await _receiver(hass)
    (subentry_id,) = entry.subentries
    await _failed_logins(hass, port, USERNAME, AUTH_FAILURES_FOR_ISSUE)
    await hass.async_block_till_done()
    assert _our_issues(hass) == [wrong_password_issue_id(subentry_id)]

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert _our_issues(hass) == []
    # The login is gone with the camera: it is refused like any unknown name, silently.
    await _failed_logins(hass, port, USERNAME, AUTH_FAILURES_FOR_ISSUE)
    await hass.async_block_till_done()
    assert _our_issues(hass) == []
