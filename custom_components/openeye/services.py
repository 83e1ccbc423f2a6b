"""OpenEye's services: teach, rename and remove people, scan, purge unknown faces, correct.

And assign or remove recurring strangers.

Registered once in ``async_setup``, whatever the entries. Services that change
the gallery are for administrators only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError, UnknownUser
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

# Home Assistant 2026.x validates with probatio and aliases this import to it, with
# the same schema API; 2025.4 has voluptuous itself. Both run the same schemas.
import voluptuous as vol

from . import corrections, gallery_actions, strangers
from .const import (
    CONF_CAMERA_ENTITY_ID,
    DOMAIN,
    MAX_NAME_LENGTH,
    SERVICE_ASSIGN_STRANGER,
    SERVICE_ENROLL_FACE,
    SERVICE_NOT_THIS_PERSON,
    SERVICE_PURGE_UNKNOWN_FACES,
    SERVICE_REMOVE_PERSON,
    SERVICE_REMOVE_STRANGER,
    SERVICE_RENAME_PERSON,
    SERVICE_SCAN,
)
from .errors import AdminRequiredError
from .hub import OpenEyeHub

ATTR_NAME = "name"
ATTR_PERSON = "person"
ATTR_IMAGE_PATH = "image_path"
ATTR_UNKNOWN_FACE_ID = "unknown_face_id"
ATTR_PERSON_ENTITY_ID = "person_entity_id"
ATTR_OLDER_THAN_DAYS = "older_than_days"
ATTR_RECOGNITION_ID = "recognition_id"
ATTR_STRANGER_ID = "stranger_id"
ATTR_PERSON_ID = "person_id"

ENROLL_SOURCES = (ATTR_IMAGE_PATH, CONF_CAMERA_ENTITY_ID, ATTR_UNKNOWN_FACE_ID)
# Longest path Linux accepts; anything longer is refused before it reaches the disk.
MAX_PATH_LENGTH = 4096


def _bounded(max_length: int) -> vol.All:
    """Return a validator for text of at most ``max_length`` characters."""
    return vol.All(cv.string, vol.Length(max=max_length))


def _no_nul(value: str) -> str:
    """Refuse a path with a NUL character, which no file name can contain."""
    if "\x00" in value:
        raise vol.Invalid("a path cannot contain a NUL character")
    return value


# Names are cleaned and measured by the gallery (names.py); this only keeps
# what is sent within a size worth cleaning.
NAME = _bounded(MAX_NAME_LENGTH * 4)
# A person's id (32 hex characters) or name.
PERSON = _bounded(MAX_NAME_LENGTH * 4)
IMAGE_PATH = vol.All(_bounded(MAX_PATH_LENGTH), _no_nul)
UNKNOWN_ID = _bounded(64)

ENROLL_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Exclusive(ATTR_NAME, "person"): NAME,
            vol.Exclusive(ATTR_PERSON, "person"): PERSON,
            vol.Exclusive(ATTR_IMAGE_PATH, "source"): IMAGE_PATH,
            vol.Exclusive(CONF_CAMERA_ENTITY_ID, "source"): cv.entity_domain("camera"),
            vol.Exclusive(ATTR_UNKNOWN_FACE_ID, "source"): UNKNOWN_ID,
            vol.Optional(ATTR_PERSON_ENTITY_ID): cv.entity_domain("person"),
        }
    ),
    cv.has_at_least_one_key(*ENROLL_SOURCES),
    cv.has_at_least_one_key(ATTR_NAME, ATTR_PERSON),
)
RENAME_SCHEMA = vol.Schema({vol.Required(ATTR_PERSON): PERSON, vol.Required(ATTR_NAME): NAME})
REMOVE_SCHEMA = vol.Schema({vol.Required(ATTR_PERSON): PERSON})
SCAN_SCHEMA = vol.Schema({vol.Required(CONF_CAMERA_ENTITY_ID): cv.entity_domain("camera")})
ASSIGN_STRANGER_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required(ATTR_STRANGER_ID): UNKNOWN_ID,
            vol.Exclusive(ATTR_NAME, "person"): NAME,
            vol.Exclusive(ATTR_PERSON_ID, "person"): PERSON,
        }
    ),
    cv.has_at_least_one_key(ATTR_NAME, ATTR_PERSON_ID),
)
REMOVE_STRANGER_SCHEMA = vol.Schema({vol.Required(ATTR_STRANGER_ID): UNKNOWN_ID})
PURGE_SCHEMA = vol.Schema(
    {vol.Optional(ATTR_OLDER_THAN_DAYS): vol.All(vol.Coerce(int), vol.Range(min=0, max=3650))}
)

NOT_THIS_PERSON_SCHEMA = vol.Schema({vol.Required(ATTR_RECOGNITION_ID): _bounded(64)})


def loaded_hub(hass: HomeAssistant) -> OpenEyeHub:
    """Return the hub of the loaded OpenEye entry, or raise a translated error."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            hub: OpenEyeHub = entry.runtime_data
            return hub
    raise HomeAssistantError(translation_domain=DOMAIN, translation_key="not_loaded")


async def _require_admin(hass: HomeAssistant, call: ServiceCall) -> None:
    """Refuse a call by a user who is not an administrator, as Home Assistant does."""
    if call.context.user_id is None:
        return
    user = await hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context, permission=POLICY_CONTROL)
    if not user.is_admin:
        raise AdminRequiredError(call.context)


type Handler = Callable[[HomeAssistant, ServiceCall], Awaitable[ServiceResponse]]


def _admin(handler: Handler) -> Handler:
    """Wrap a service handler so that only administrators may call it.

    Home Assistant's async_register_admin_service would check this itself, but
    in 2025.4 it cannot register a service that answers with data (2026.x added
    supports_response), and enroll_face, scan and purge_unknown_faces do.
    """

    async def _checked(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
        await _require_admin(hass, call)
        return await handler(hass, call)

    return _checked


@_admin
async def _enroll_face(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Teach a face from a photo, a camera snapshot or a stored unknown face."""
    hub = loaded_hub(hass)
    if ATTR_NAME in call.data:
        # A new person's name is checked before any file or camera is read.
        hub.gallery.new_name(call.data[ATTR_NAME])
    data: bytes | None = None
    if ATTR_IMAGE_PATH in call.data:
        data = await gallery_actions.async_image_from_path(hass, call.data[ATTR_IMAGE_PATH])
    elif CONF_CAMERA_ENTITY_ID in call.data:
        data = await gallery_actions.async_image_from_camera(hass, call.data[CONF_CAMERA_ENTITY_ID])
    person_id = (
        hub.gallery.find_person(call.data[ATTR_PERSON]).person_id
        if ATTR_PERSON in call.data
        else None
    )
    result = await gallery_actions.async_enroll(
        hub,
        data=data,
        unknown_id=call.data.get(ATTR_UNKNOWN_FACE_ID),
        name=call.data.get(ATTR_NAME),
        person_id=person_id,
        person_entity_id=call.data.get(ATTR_PERSON_ENTITY_ID),
    )
    return result.as_dict() if call.return_response else None


@_admin
async def _rename_person(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Give a person a new name."""
    hub = loaded_hub(hass)
    person = hub.gallery.find_person(call.data[ATTR_PERSON])
    await gallery_actions.async_rename(hub, person.person_id, call.data[ATTR_NAME])
    return None


@_admin
async def _remove_person(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Forget a person, their encodings and their device."""
    hub = loaded_hub(hass)
    person = hub.gallery.find_person(call.data[ATTR_PERSON])
    await gallery_actions.async_remove(hub, person.person_id)
    return None


async def _scan(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Analyse one snapshot of a camera now and return who is in it."""
    hub = loaded_hub(hass)
    entity_id = call.data[CONF_CAMERA_ENTITY_ID]
    data = await gallery_actions.async_image_from_camera(hass, entity_id)
    result = await gallery_actions.async_scan(hub, data)
    return {"camera_entity_id": entity_id, **result}


@_admin
async def _purge_unknown_faces(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Delete stored unknown faces, all or those older than some days."""
    hub = loaded_hub(hass)
    older_than = (
        dt_util.utcnow() - timedelta(days=call.data[ATTR_OLDER_THAN_DAYS])
        if ATTR_OLDER_THAN_DAYS in call.data
        else None
    )
    removed = await hub.gallery.async_purge_unknown(older_than)
    await hub.async_gallery_changed()
    return {"removed": removed} if call.return_response else None


@_admin
async def _not_this_person(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Say a recognition was not that person: a counter-example, the visit withdrawn."""
    hub = loaded_hub(hass)
    result = await corrections.async_not_this_person(hub, call.data[ATTR_RECOGNITION_ID])
    return result if call.return_response else None


@_admin
async def _assign_stranger(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Teach a recurring stranger's best faces to a new or known person and name the past."""
    hub = loaded_hub(hass)
    # The stranger is checked first: an unknown one is the refusal, whoever it was for.
    hub.gallery.get_stranger(call.data[ATTR_STRANGER_ID])
    person_id = (
        hub.gallery.find_person(call.data[ATTR_PERSON_ID]).person_id
        if ATTR_PERSON_ID in call.data
        else None
    )
    result = await strangers.async_assign(
        hub, call.data[ATTR_STRANGER_ID], name=call.data.get(ATTR_NAME), person_id=person_id
    )
    return result if call.return_response else None


@_admin
async def _remove_stranger(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Forget a recurring stranger and its faces."""
    await strangers.async_delete(loaded_hub(hass), call.data[ATTR_STRANGER_ID])
    return None


SERVICES: tuple[tuple[str, Handler, Any, SupportsResponse], ...] = (
    (SERVICE_ENROLL_FACE, _enroll_face, ENROLL_SCHEMA, SupportsResponse.OPTIONAL),
    (SERVICE_RENAME_PERSON, _rename_person, RENAME_SCHEMA, SupportsResponse.NONE),
    (SERVICE_REMOVE_PERSON, _remove_person, REMOVE_SCHEMA, SupportsResponse.NONE),
    (SERVICE_SCAN, _scan, SCAN_SCHEMA, SupportsResponse.ONLY),
    (SERVICE_PURGE_UNKNOWN_FACES, _purge_unknown_faces, PURGE_SCHEMA, SupportsResponse.OPTIONAL),
    (
        SERVICE_NOT_THIS_PERSON,
        _not_this_person,
        NOT_THIS_PERSON_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (
        SERVICE_ASSIGN_STRANGER,
        _assign_stranger,
        ASSIGN_STRANGER_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (SERVICE_REMOVE_STRANGER, _remove_stranger, REMOVE_STRANGER_SCHEMA, SupportsResponse.NONE),
)


def async_register_services(hass: HomeAssistant) -> None:
    """Register OpenEye's services."""
    for name, handler, schema, supports_response in SERVICES:

        async def _call(call: ServiceCall, handler: Handler = handler) -> ServiceResponse:
            return await handler(hass, call)

        hass.services.async_register(
            DOMAIN, name, _call, schema=schema, supports_response=supports_response
        )
