"""OpenEye's sensors: the gallery and the day's figures, each camera, person and remote worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_state import CameraState
from .entity import (
    OpenEyeCameraEntity,
    OpenEyeHubEntity,
    OpenEyePersonEntity,
    OpenEyeRemoteWorkerEntity,
    async_add_camera_entities,
    async_add_person_entities,
    async_add_remote_worker_entities,
)
from .gallery_records import Person
from .hub import OpenEyeConfigEntry, OpenEyeHub
from .pipeline.messages import SourceStatus
from .remote_workers import RemoteWorker

# Entities are pushed by the hub; Home Assistant never polls them.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class HubSensorDescription(SensorEntityDescription):
    """A sensor of the OpenEye device."""

    value_fn: Callable[[OpenEyeHub], Any]
    attributes_fn: Callable[[OpenEyeHub], dict[str, Any] | None] = lambda _hub: None


@dataclass(frozen=True, kw_only=True)
class CameraSensorDescription(SensorEntityDescription):
    """A sensor of one camera."""

    value_fn: Callable[[CameraState], Any]
    attributes_fn: Callable[[CameraState], dict[str, Any] | None] = lambda _camera: None
    always_available: bool = False


@dataclass(frozen=True, kw_only=True)
class PersonSensorDescription(SensorEntityDescription):
    """A sensor of one person."""

    value_fn: Callable[[Person], Any]
    attributes_fn: Callable[[OpenEyeHub, Person], dict[str, Any] | None] = lambda _hub, _person: (
        None
    )


@dataclass(frozen=True, kw_only=True)
class WorkerSensorDescription(SensorEntityDescription):
    """A sensor of one remote worker, known while the worker is connected."""

    value_fn: Callable[[RemoteWorker], Any]


def _last_recognition_attributes(hub: OpenEyeHub) -> dict[str, Any] | None:
    """Return who was recognised last, where and how surely."""
    last = hub.statistics.last_recognition
    if last is None:
        return None
    return {
        "person": last.person_name,
        "camera": last.camera_name,
        "confidence": round(last.confidence, 3),
    }


HUB_SENSORS: tuple[HubSensorDescription, ...] = (
    HubSensorDescription(
        key="known_people",
        translation_key="known_people",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda hub: len(hub.gallery.people),
    ),
    HubSensorDescription(
        key="recognitions_today",
        translation_key="recognitions_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda hub: hub.statistics.recognitions_today,
    ),
    HubSensorDescription(
        key="unknown_faces_today",
        translation_key="unknown_faces_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda hub: hub.statistics.unknown_faces_today,
    ),
    HubSensorDescription(
        key="strangers_today",
        translation_key="strangers_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda hub: hub.statistics.strangers_today,
    ),
    HubSensorDescription(
        key="last_recognition",
        translation_key="last_recognition",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda hub: (
            hub.statistics.last_recognition.timestamp if hub.statistics.last_recognition else None
        ),
        attributes_fn=_last_recognition_attributes,
    ),
    HubSensorDescription(
        key="last_recognized_person",
        translation_key="last_recognized_person",
        value_fn=lambda hub: (
            hub.statistics.last_recognition.person_name if hub.statistics.last_recognition else None
        ),
    ),
)

CAMERA_SENSORS: tuple[CameraSensorDescription, ...] = (
    CameraSensorDescription(
        key="faces_in_view",
        translation_key="faces_in_view",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda camera: camera.faces_in_view,
    ),
    CameraSensorDescription(
        key="last_person",
        translation_key="last_person",
        value_fn=lambda camera: camera.last_person_name,
    ),
    CameraSensorDescription(
        key="stream_status",
        translation_key="stream_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in SourceStatus],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda camera: camera.status.value,
        # Why the camera is not streaming, as a code: "unauthorized" when it
        # refuses the user name or password (translated in the frontend).
        attributes_fn=lambda camera: {"reason": camera.status_reason},
        always_available=True,
    ),
    CameraSensorDescription(
        key="analysis_rate",
        translation_key="analysis_rate",
        native_unit_of_measurement="frames/s",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Diagnostic figures that change every few seconds would fill the
        # recorder for nobody; they are there for whoever turns them on.
        entity_registry_enabled_default=False,
        value_fn=lambda camera: round(camera.analysis_rate, 2),
    ),
    CameraSensorDescription(
        # The key stays what it was, since unique ids are made of it; the
        # name is what the figure is, the time face detection takes.
        key="inference_time",
        translation_key="detection_time",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda camera: (
            round(camera.detection_ms, 1) if camera.detection_ms is not None else None
        ),
    ),
)

PERSON_SENSORS: tuple[PersonSensorDescription, ...] = (
    PersonSensorDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda person: person.last_seen,
        attributes_fn=lambda hub, person: {
            "camera": hub.cameras[person.last_camera_id].name
            if person.last_camera_id in hub.cameras
            else None
        },
    ),
)


WORKER_SENSORS: tuple[WorkerSensorDescription, ...] = (
    WorkerSensorDescription(
        # The worker's load: how many cameras it runs, next to its capacity.
        key="cameras",
        translation_key="worker_cameras",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda worker: len(worker.cameras),
    ),
    WorkerSensorDescription(
        key="capacity",
        translation_key="worker_capacity",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda worker: worker.capacity,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenEyeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the OpenEye device's sensors, and each camera's and person's as they come."""
    hub = entry.runtime_data
    async_add_entities(HubSensor(hub, description) for description in HUB_SENSORS)
    async_add_camera_entities(
        entry,
        async_add_entities,
        lambda camera_id: [CameraSensor(hub, camera_id, d) for d in CAMERA_SENSORS],
    )
    async_add_person_entities(
        entry,
        async_add_entities,
        lambda person: [PersonSensor(hub, person, d) for d in PERSON_SENSORS],
    )
    async_add_remote_worker_entities(
        entry,
        async_add_entities,
        lambda name: [WorkerSensor(hub, name, d) for d in WORKER_SENSORS],
    )


class HubSensor(OpenEyeHubEntity, SensorEntity):
    """A figure of the OpenEye device."""

    entity_description: HubSensorDescription

    @property
    def native_value(self) -> Any:  # noqa: ANN401 - numbers, names or times
        """Return the figure."""
        return self.entity_description.value_fn(self.hub)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the figure's details, if it has any."""
        return self.entity_description.attributes_fn(self.hub)


class CameraSensor(OpenEyeCameraEntity, SensorEntity):
    """A figure of one camera."""

    entity_description: CameraSensorDescription

    def __init__(
        self, hub: OpenEyeHub, camera_id: str, description: CameraSensorDescription
    ) -> None:
        """Describe the sensor; the stream status stays available to say why others are not."""
        super().__init__(hub, camera_id, description)
        self._always_available = description.always_available

    @property
    def native_value(self) -> Any:  # noqa: ANN401 - numbers, names or statuses
        """Return the figure."""
        camera = self.camera
        return self.entity_description.value_fn(camera) if camera is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the figure's details, if it has any."""
        camera = self.camera
        return self.entity_description.attributes_fn(camera) if camera is not None else None


class PersonSensor(OpenEyePersonEntity, SensorEntity):
    """A figure of one person."""

    entity_description: PersonSensorDescription

    @property
    def native_value(self) -> datetime | None:
        """Return the figure."""
        person = self.person
        return self.entity_description.value_fn(person) if person is not None else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the figure's details."""
        person = self.person
        if person is None:
            return None
        return self.entity_description.attributes_fn(self.hub, person)


class WorkerSensor(OpenEyeRemoteWorkerEntity, SensorEntity):
    """A figure of one remote worker; unavailable while the worker is not connected."""

    entity_description: WorkerSensorDescription

    @property
    def available(self) -> bool:
        """Return whether the worker is connected, so that its figures are current."""
        worker = self.worker
        return worker is not None and worker.connected

    @property
    def native_value(self) -> int | None:
        """Return the figure."""
        worker = self.worker
        return self.entity_description.value_fn(worker) if worker is not None else None
