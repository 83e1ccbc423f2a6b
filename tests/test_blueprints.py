"""OpenEye's automation blueprints, run by Home Assistant's own automation integration.

Each blueprint is copied into the test's configuration folder, used by an
automation with a stand-in notification action, and fed the bus events
OpenEye fires (their data as the contract of issue 12 gives it). The test
checks whom it notifies, and whom not.
"""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.openeye.const import DOMAIN, bus_event

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "openeye"


def _unknown_face(**data: object) -> dict[str, object]:
    """Return an ``openeye_unknown_face`` event's data, with the given fields changed."""
    return {
        "camera_id": "door",
        "camera_name": "Door",
        "camera_entity_id": "camera.door",
        "timestamp": "2026-11-25T10:20:00+00:00",
        "unknown_face_id": "u1",
        "image_url": "/api/image_proxy/image.door_latest_face?token=t",
        "stranger_id": "s3",
        "stranger_label": "Unknown 3",
        "stranger_visits": 1,
        "stranger_cameras": ["Door"],
        "refused_person_id": None,
        "refused_person_name": None,
        **data,
    }


async def _use(hass: HomeAssistant, blueprint: str, inputs: dict[str, Any]) -> list[ServiceCall]:
    """Set up one automation from the blueprint; return the notifications it sends."""
    target = Path(hass.config.path("blueprints", "automation", "openeye"))
    target.mkdir(parents=True, exist_ok=True)
    await hass.async_add_executor_job(shutil.copy, BLUEPRINTS / blueprint, target / blueprint)
    calls = async_mock_service(hass, "notify", "phone")
    config = {
        "automation": [
            {
                "alias": blueprint.removesuffix(".yaml"),
                "use_blueprint": {
                    "path": f"openeye/{blueprint}",
                    "input": {"notify_action": "notify.phone", "cooldown": 0, **inputs},
                },
            }
        ]
    }
    assert await async_setup_component(hass, "automation", config)
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{blueprint.removesuffix('.yaml')}").state == "on"
    return calls


async def _fire(hass: HomeAssistant, data: dict[str, Any]) -> None:
    """Fire one unknown face on the bus and let the automation run."""
    hass.bus.async_fire(bus_event("unknown_face"), data)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    "name",
    [
        "unknown_face_at_the_door.yaml",
        "stranger_came_back.yaml",
        "not_this_person_at_the_door.yaml",
    ],
)
def test_each_blueprint_is_valid(name: str) -> None:
    """Home Assistant accepts each blueprint's schema, for automations."""
    blueprint = models.Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.metadata["author"] == "OpenEye"
    assert "notify_action" in blueprint.inputs


async def test_stranger_came_back_notifies_from_the_chosen_visit(hass: HomeAssistant) -> None:
    """Visits below the threshold and other cameras stay quiet; the third visit notifies."""
    calls = await _use(hass, "stranger_came_back.yaml", {"visits": 3, "cameras": ["camera.door"]})
    await _fire(hass, _unknown_face(stranger_visits=2))
    await _fire(hass, _unknown_face(stranger_visits=5, camera_entity_id="camera.yard"))
    # An older OpenEye's event without stranger fields is left alone, not an error.
    await _fire(hass, _unknown_face(stranger_visits=None))
    assert calls == []
    await _fire(hass, _unknown_face(stranger_visits=3, stranger_cameras=["Door", "Yard"]))
    assert len(calls) == 1
    assert calls[0].data["title"] == "Unknown 3 came back"
    assert calls[0].data["message"] == "Unknown 3 is at Door: visit 3, seen at Door, Yard."
    assert calls[0].data["data"] == {"image": "/api/image_proxy/image.door_latest_face?token=t"}


async def test_not_this_person_notifies_for_the_chosen_person_only(hass: HomeAssistant) -> None:
    """A face refused as Ada notifies; one refused as someone else, or not refused, does not."""
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    ada = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "person_p-ada")},
        name="Ada",
        manufacturer="OpenEye",
        model="Person",
    )
    calls = await _use(hass, "not_this_person_at_the_door.yaml", {"person": ada.id})
    await _fire(hass, _unknown_face())
    await _fire(hass, _unknown_face(refused_person_id="p-bo", refused_person_name="Bo"))
    assert calls == []
    await _fire(hass, _unknown_face(refused_person_id="p-ada", refused_person_name="Ada"))
    assert len(calls) == 1
    assert calls[0].data["title"] == "Not Ada"
    assert calls[0].data["message"] == "Someone who looks like Ada, but is not, is at Door."
