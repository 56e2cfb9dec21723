"""The "image received" device trigger of receiver cameras."""

import pytest
from aiohttp import BasicAuth
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    async_get_device_automations,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.camupload.const import DOMAIN
from tests.ports import free_port
from tests.receiver.sample_jpegs import make_jpeg
from tests.receiver_setup import PASSWORD, USERNAME, receiver_entry

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]


async def test_image_received_trigger_runs_an_automation(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The camera's device offers the trigger, and an upload fires it."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, next(iter(entry.subentries)))}
    )
    assert device is not None

    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    ours = [t for t in triggers if t["domain"] == DOMAIN]
    assert [t["type"] for t in ours] == ["image_received"]

    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {**ours[0], "platform": "device"},
                "action": {
                    "service": "test.automation",
                    "data_template": {"size": "{{ trigger.event.data.size }}"},
                },
            }
        },
    )
    client = await hass_client_no_auth()
    jpeg = make_jpeg(21)
    response = await client.post(
        f"/photo/{USERNAME}", data=jpeg, auth=BasicAuth(USERNAME, PASSWORD)
    )
    assert response.status == 200
    await hass.async_block_till_done()

    assert len(calls) == 1
    assert calls[0].data["size"] == len(jpeg)


async def test_other_devices_offer_no_trigger(hass: HomeAssistant) -> None:
    """A device that is not a receiver camera gets no camupload trigger."""
    entry = receiver_entry(free_port())
    entry.add_to_hass(hass)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("other", "thing")}
    )
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, other.id)
    assert [t for t in triggers if t["domain"] == DOMAIN] == []
