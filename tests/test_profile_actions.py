"""What the actions' target picker offers (profiles only), and the ways to name a profile."""

import re
from pathlib import Path
from typing import Any, cast

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.util.yaml import parse_yaml
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.camupload.const import DOMAIN
from tests.ports import free_port
from tests.profile_setup import (
    UNREACHABLE,
    ftp_answers,
    load_profile,
    profile_subentry,
    server_entry,
    setup_camera,
)
from tests.receiver_setup import receiver_entry
from tests.uploader.servers import FtpServer

pytestmark = [pytest.mark.enable_socket, pytest.mark.usefixtures("socket_enabled")]

README = Path(__file__).parent.parent / "README.md"


def _entity_matches(entry: er.RegistryEntry, filters: list[dict[str, Any]]) -> bool:
    """The frontend's filterSelectorEntities for integration and domain filters."""
    return any(
        entry.platform == f.get("integration", entry.platform)
        and entry.domain in f.get("domain", [entry.domain])
        for f in filters
    )


def _device_matches(
    device: dr.DeviceEntry, entities: list[er.RegistryEntry], target: dict[str, Any]
) -> bool:
    """The frontend's deviceMeetsTargetSelector: a device filter, then an entity of it."""
    own = [entry for entry in entities if entry.device_id == device.id]
    platforms = {entry.platform for entry in own}
    return any(
        f.get("integration", DOMAIN) in platforms and device.model == f.get("model", device.model)
        for f in target["device"]
    ) and any(_entity_matches(entry, target["entity"]) for entry in own)


async def test_target_picker_offers_only_profiles(hass: HomeAssistant) -> None:
    """With a receiver camera beside a profile, only the profile's device and controls match."""
    await setup_camera(hass)
    receiver = receiver_entry(free_port())
    receiver.add_to_hass(hass)
    assert await hass.config_entries.async_setup(receiver.entry_id)
    runner = await load_profile(hass, server_entry(UNREACHABLE, profile_subentry()))
    entities = [e for e in er.async_get(hass).entities.values() if e.platform == DOMAIN]
    devices = dr.async_get(hass).devices.values()
    profile_device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, runner.subentry_id)})
    assert profile_device is not None

    descriptions = await async_get_all_descriptions(hass)
    for action in ("upload_profile", "test_profile"):
        target = descriptions[DOMAIN][action]["target"]
        offered = sorted(e.entity_id for e in entities if _entity_matches(e, target["entity"]))
        assert offered == [
            "button.yard_test", "button.yard_upload_now", "switch.yard_scheduled_uploads",
        ]  # fmt: skip
        assert [d.id for d in devices if _device_matches(d, entities, target)] == [
            profile_device.id
        ]
        # The receiver's camera, sensors and connectivity are all camupload entities too.
        assert {e.domain for e in entities if e.config_entry_id == receiver.entry_id} == {
            "camera", "sensor", "binary_sensor",
        }  # fmt: skip

    # Each thing offered reaches the profile.
    for target in (
        {"device_id": profile_device.id},
        *({"entity_id": entity_id} for entity_id in offered),
    ):
        response = await hass.services.async_call(
            DOMAIN, "test_profile", target, blocking=True, return_response=True
        )
        assert response is not None
        profiles = cast("list[dict[str, Any]]", response["profiles"])
        assert [(p["profile"], p["ok"]) for p in profiles] == [("Yard", False)]


def _readme_actions() -> list[dict[str, Any]]:
    """The README's action examples (YAML blocks that call a camupload action)."""
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [
        action
        for block in blocks
        if isinstance(action := parse_yaml(block), dict)
        and str(action.get("action", "")).startswith(f"{DOMAIN}.")
    ]


def _developer_tools_refuses(action: dict[str, Any], accepts_target: bool) -> bool:  # noqa: FBT001
    """Developer tools' own check (_validateServiceData): a target when the action takes one."""
    data = action.get("data") or {}
    return accepts_target and not (
        "target" in action or any(key in data for key in ("entity_id", "device_id", "area_id"))
    )


async def test_readme_examples_run_as_developer_tools_runs_them(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, vsftpd_server: FtpServer
) -> None:
    """Each README example passes Developer tools' check and runs through execute_script."""
    await setup_camera(hass)
    await load_profile(
        hass,
        server_entry(
            ftp_answers(vsftpd_server),
            profile_subentry(name="Gate every minute", directory="incoming"),
        ),
    )
    assert hass.states.get("button.gate_every_minute_upload_now") is not None
    descriptions = await async_get_all_descriptions(hass)
    examples = _readme_actions()
    assert {example["action"] for example in examples} == {
        f"{DOMAIN}.upload_profile", f"{DOMAIN}.test_profile",
    }  # fmt: skip
    client = await hass_ws_client(hass)
    for example in examples:
        service = example["action"].split(".")[1]
        assert not _developer_tools_refuses(example, "target" in descriptions[DOMAIN][service])
        # What Developer tools sends when an action can respond.
        await client.send_json_auto_id(
            {
                "type": "execute_script",
                "sequence": [
                    {**example, "response_variable": "service_result"},
                    {"stop": "done", "response_variable": "service_result"},
                ],
            }
        )
        reply = await client.receive_json()
        assert reply["success"], reply
        (result,) = reply["result"]["response"]["profiles"]
        assert result["profile"] == "Gate every minute"
    assert any(vsftpd_server.path().iterdir())  # the upload arrived
