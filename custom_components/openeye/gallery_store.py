"""The face gallery: people, unknown faces and recent recognitions, in Home Assistant's storage.

Stored with Home Assistant's ``Store`` (atomic writes, versioned). Every
change a user asks for (enroll, rename, remove) is written before it is
acknowledged, so an acknowledged enrollment survives a crash. Sightings and
unknown faces, which arrive often, are saved with a short delay instead.
Encodings and photos never leave Home Assistant except to OpenEye's workers.
The records themselves, and their stored form, are in gallery_records.py.

Recent recognitions are kept (bounded like unknown faces) so that an
administrator can say "not this person" later: the face then becomes a
counter-example of the person and an unknown face. Both additions to the
layout are optional (a person without ``counter_examples``, a file without
``recognitions`` load as none), so layout 1.1 needs no migration for them.
Every unknown face belongs to a stranger: faces of the same person, grouped
as they arrive (pipeline/grouping.py decides which), with a friendly label
("Unknown 3") whose number is never reused. A stranger lasts as long as one
of its faces is kept under the unknown-face retention options.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import CONF_TOLERANCE, DOMAIN, MAX_NAME_LENGTH, OPTION_DEFAULTS
from .errors import OpenEyeValidationError
from .gallery_records import (
    Person,
    RecognitionRecord,
    StrangerRecord,
    UnknownFaceRecord,
)
from .names import clean_name, name_key
from .pipeline.gallery import KnownFaces, KnownPerson
from .pipeline.grouping import closest_group

STORAGE_KEY: Final = f"{DOMAIN}.gallery"
STORAGE_VERSION: Final = 1
# Minor version 2 added strangers: each unknown face belongs to one.
STORAGE_MINOR_VERSION: Final = 2
# Sightings and unknown faces arrive in bursts; one write for a burst is enough.
SAVE_DELAY: Final = 10
# A person keeps at most this many encodings: more adds little and slows matching.
MAX_ENCODINGS_PER_PERSON: Final = 20
# A person keeps at most this many counter-examples ("not this person"), the newest.
MAX_COUNTER_EXAMPLES_PER_PERSON: Final = 20


class _GalleryStorage(Store[dict[str, Any]]):
    """The storage file, with the hook where later layouts migrate older ones."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring data written by another layout version to the current one.

        Version 1.1 had no strangers: 1.2 adds their section and counter, and
        :meth:`GalleryStore.async_load` groups every unknown face that has no
        stranger yet, oldest first, as if it had just arrived. A newer minor
        version of the same major loads unchanged (Home Assistant's rule for
        minor versions), missing sections are filled in.

        Home Assistant writes what this returns at once, so everything is
        parsed first: a file OpenEye cannot read raises here and stays as it was.
        """
        if old_major_version > STORAGE_VERSION:
            raise NotImplementedError(
                f"The gallery was written by a newer OpenEye (layout {old_major_version})"
            )
        for person in old_data.get("people", []):
            Person.from_storage(person)
        for record in old_data.get("unknown", []):
            UnknownFaceRecord.from_storage(record)
        data = dict(old_data)
        for section in ("people", "unknown", "strangers"):
            data.setdefault(section, [])
        data.setdefault("statistics", {})
        data.setdefault("stranger_counter", 0)
        return data


class GalleryStore:
    """People, unknown faces and daily statistics, loaded once and saved on change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the store; :meth:`async_load` reads it."""
        self._store = _GalleryStorage(
            hass, STORAGE_VERSION, STORAGE_KEY, minor_version=STORAGE_MINOR_VERSION
        )
        self.people: dict[str, Person] = {}
        self.unknown: dict[str, UnknownFaceRecord] = {}
        self.strangers: dict[str, StrangerRecord] = {}
        # The number of the last stranger's label; labels are never reused.
        self.stranger_counter = 0
        self.statistics: dict[str, Any] = {}
        self.recognitions: dict[str, RecognitionRecord] = {}

    async def async_load(self) -> None:
        """Read the gallery from storage (empty on the first run)."""
        data = await self._store.async_load() or {}
        self.people = {
            person.person_id: person for person in map(Person.from_storage, data.get("people", []))
        }
        self.unknown = {
            record.unknown_id: record
            for record in map(UnknownFaceRecord.from_storage, data.get("unknown", []))
        }
        self.statistics = dict(data.get("statistics", {}))
        self.recognitions = {
            record.recognition_id: record
            for record in map(RecognitionRecord.from_storage, data.get("recognitions", []))
        }
        self.strangers = {
            stranger.stranger_id: stranger
            for stranger in map(StrangerRecord.from_storage, data.get("strangers", []))
        }
        self.stranger_counter = int(data.get("stranger_counter", 0))
        # Faces kept before strangers existed (or whose stranger is missing)
        # join one now, oldest first, each one visit as when it was reported.
        tolerance = float(OPTION_DEFAULTS[CONF_TOLERANCE])
        orphans = [
            record for record in self.unknown.values() if record.stranger_id not in self.strangers
        ]
        for record in sorted(orphans, key=lambda record: record.timestamp):
            self._group(record, tolerance)
        if self._drop_empty_strangers() or orphans:
            self.schedule_save()

    def _data(self) -> dict[str, Any]:
        """Return everything as the JSON document written to storage.

        Home Assistant calls this in an executor thread for delayed saves,
        while the event loop may add a face: the dicts are copied first (one
        step under the interpreter lock) and only the copies are walked. The
        records' fields are reassigned on change, never mutated in place (a
        person's encodings are a new list), so reading them here is safe.
        """
        people, unknown = list(self.people.values()), list(self.unknown.values())
        recognitions = list(self.recognitions.values())
        strangers = list(self.strangers.values())
        return {
            "people": [person.as_storage() for person in people],
            "unknown": [record.as_storage() for record in unknown],
            "strangers": [stranger.as_storage() for stranger in strangers],
            "stranger_counter": self.stranger_counter,
            "statistics": self.statistics,
            "recognitions": [record.as_storage() for record in recognitions],
        }

    async def async_save(self) -> None:
        """Write the gallery now; used before acknowledging a user's change."""
        await self._store.async_save(self._data())

    def schedule_save(self) -> None:
        """Write the gallery soon, once for a burst of changes."""
        self._store.async_delay_save(self._data, SAVE_DELAY)

    # Looking people up ---------------------------------------------------

    def known_faces(self) -> KnownFaces:
        """Return the gallery in the form the workers compare with."""
        return KnownFaces(
            tuple(
                KnownPerson(
                    person.person_id,
                    person.name,
                    tuple(tuple(encoding) for encoding in person.encodings),
                    tuple(tuple(encoding) for encoding in person.counter_examples),
                )
                for person in self.people.values()
            )
        )

    def get_person(self, person_id: str) -> Person:
        """Return a person by id, or raise a translated not-found error."""
        if (person := self.people.get(person_id)) is None:
            raise OpenEyeValidationError("person_not_found", {"person": person_id})
        return person

    def find_person(self, id_or_name: str) -> Person:
        """Return a person by id or by name (case-insensitive), or raise not-found."""
        if id_or_name in self.people:
            return self.people[id_or_name]
        wanted = name_key(id_or_name)
        for person in self.people.values():
            if name_key(person.name) == wanted:
                return person
        raise OpenEyeValidationError("person_not_found", {"person": id_or_name[:MAX_NAME_LENGTH]})

    def new_name(self, name: str, except_id: str | None = None) -> str:
        """Return a name cleaned for storing, or raise when it is unusable or taken.

        Names that look the same are the same name (see :func:`names.name_key`),
        so a look-alike of a known person's name is refused as a duplicate.
        """
        cleaned = clean_name(name)
        wanted = name_key(cleaned)
        for person in self.people.values():
            if person.person_id != except_id and name_key(person.name) == wanted:
                raise OpenEyeValidationError("duplicate_name", {"name": person.name})
        return cleaned

    # Changes a user asks for: saved before they return ---------------------

    async def async_add_person(
        self,
        name: str,
        encoding: list[float],
        thumbnail: bytes,
        person_entity_id: str | None = None,
    ) -> Person:
        """Create a person with one encoding; the name must be new."""
        name = self.new_name(name)
        person = Person(
            person_id=uuid.uuid4().hex,
            name=name,
            encodings=[encoding],
            thumbnail=thumbnail,
            created=dt_util.utcnow(),
            person_entity_id=person_entity_id,
        )
        self.people[person.person_id] = person
        await self.async_save()
        return person

    async def async_add_encoding(self, person_id: str, encoding: list[float]) -> Person:
        """Add a photo's encoding to a person, keeping the newest ones."""
        person = self.get_person(person_id)
        person.encodings = [*person.encodings, encoding][-MAX_ENCODINGS_PER_PERSON:]
        await self.async_save()
        return person

    async def async_teach_stranger(
        self,
        stranger_id: str,
        faces: list[UnknownFaceRecord],
        *,
        person_id: str | None = None,
        name: str | None = None,
    ) -> tuple[Person, StrangerRecord, list[UnknownFaceRecord]]:
        """Teach some of a stranger's faces to a person (new when ``name``) and forget the stranger.

        ``faces`` (at least one) are taught, best first: the first is a new
        person's thumbnail. The person keeps at most
        :data:`MAX_ENCODINGS_PER_PERSON` encodings, the newest. Returns the
        person, the stranger and all of its faces, which are no longer kept
        as unknown. One write, before returning: the person is never taught
        without the stranger going, nor the other way round.
        """
        stranger = self.get_stranger(stranger_id)
        encodings = [face.encoding for face in faces]
        if person_id is not None:
            person = self.get_person(person_id)
            person.encodings = [*person.encodings, *encodings][-MAX_ENCODINGS_PER_PERSON:]
        else:
            person = Person(
                person_id=uuid.uuid4().hex,
                name=self.new_name(name or ""),
                encodings=encodings[:MAX_ENCODINGS_PER_PERSON],
                thumbnail=faces[0].crop,
                created=dt_util.utcnow(),
            )
            self.people[person.person_id] = person
        records = self.stranger_faces(stranger_id)
        for record in records:
            del self.unknown[record.unknown_id]
        del self.strangers[stranger_id]
        await self.async_save()
        return person, stranger, records

    async def async_rename(self, person_id: str, name: str) -> Person:
        """Give a person a new name that nobody else has."""
        person = self.get_person(person_id)
        person.name = self.new_name(name, except_id=person_id)
        await self.async_save()
        return person

    async def async_remove_person(self, person_id: str) -> Person:
        """Forget a person and their encodings."""
        person = self.get_person(person_id)
        del self.people[person_id]
        await self.async_save()
        return person

    async def async_remove_unknown(self, unknown_id: str) -> UnknownFaceRecord:
        """Forget one unknown face, typically after it was taught."""
        if (record := self.unknown.pop(unknown_id, None)) is None:
            raise OpenEyeValidationError("unknown_face_not_found", {"unknown_id": unknown_id})
        self._drop_empty_strangers()
        await self.async_save()
        return record

    async def async_forget_unknown(self, records: Iterable[UnknownFaceRecord]) -> None:
        """Forget unknown faces that turned out to be a taught person; strangers left empty go."""
        for record in records:
            self.unknown.pop(record.unknown_id, None)
        self._drop_empty_strangers()
        await self.async_save()

    async def async_remove_stranger(self, stranger_id: str) -> StrangerRecord:
        """Forget a stranger and all of its faces."""
        stranger = self.get_stranger(stranger_id)
        for record in self.stranger_faces(stranger_id):
            del self.unknown[record.unknown_id]
        del self.strangers[stranger_id]
        await self.async_save()
        return stranger

    async def async_purge_unknown(self, older_than: datetime | None = None) -> int:
        """Delete unknown faces (those older than ``older_than``, or all); return how many."""
        doomed = [
            key
            for key, record in self.unknown.items()
            if older_than is None or record.timestamp < older_than
        ]
        for key in doomed:
            del self.unknown[key]
        self._drop_empty_strangers()
        await self.async_save()
        return len(doomed)

    # Changes the pipeline brings: saved with a delay --------------------

    def get_unknown(self, unknown_id: str) -> UnknownFaceRecord:
        """Return an unknown face by id, or raise a translated not-found error."""
        if (record := self.unknown.get(unknown_id)) is None:
            raise OpenEyeValidationError("unknown_face_not_found", {"unknown_id": unknown_id})
        return record

    def get_stranger(self, stranger_id: str) -> StrangerRecord:
        """Return a stranger by id, or raise a translated not-found error."""
        if (stranger := self.strangers.get(stranger_id)) is None:
            raise OpenEyeValidationError("unknown_stranger", {"stranger_id": stranger_id})
        return stranger

    def stranger_faces(self, stranger_id: str) -> list[UnknownFaceRecord]:
        """Return a stranger's kept faces, oldest first."""
        return sorted(
            (record for record in self.unknown.values() if record.stranger_id == stranger_id),
            key=lambda record: record.timestamp,
        )

    def add_unknown(
        self,
        record: UnknownFaceRecord,
        max_days: int,
        max_count: int,
        tolerance: float = float(OPTION_DEFAULTS[CONF_TOLERANCE]),
    ) -> StrangerRecord:
        """Keep a new unknown face in its stranger, prune by the retention options.

        Every new unknown face, whatever found it, comes through here: it
        joins the stranger it is closest to (see pipeline/grouping.py, with
        the recognition ``tolerance``) or starts a new one, and counts as one
        visit of that stranger. Returns the stranger, which is also
        ``record.stranger_id``.
        """
        stranger = self._group(record, tolerance)
        self.unknown[record.unknown_id] = record
        self.prune_unknown(max_days, max_count)
        self.schedule_save()
        return stranger

    def stranger_seen_again(
        self, stranger_id: str, when: datetime, camera: tuple[str, str]
    ) -> None:
        """Note that a stranger is still in view on the same visit (no new face, no new visit)."""
        if (stranger := self.strangers.get(stranger_id)) is not None:
            stranger.seen(when, *camera)
            self.schedule_save()

    def _group(self, record: UnknownFaceRecord, tolerance: float) -> StrangerRecord:
        """Put a face (not yet kept) in the stranger it joins or a new one, one visit more."""
        faces: dict[str, list[list[float]]] = {}
        for kept in self.unknown.values():
            if kept.unknown_id != record.unknown_id and kept.stranger_id in self.strangers:
                faces.setdefault(kept.stranger_id, []).append(kept.encoding)
        stranger_id = closest_group(record.encoding, faces, tolerance)
        if stranger_id is None:
            self.stranger_counter += 1
            stranger = StrangerRecord(
                stranger_id=uuid.uuid4().hex,
                label=f"Unknown {self.stranger_counter}",
                first_seen=record.timestamp,
                last_seen=record.timestamp,
                visits=0,
                cameras={},
            )
            self.strangers[stranger.stranger_id] = stranger
        else:
            stranger = self.strangers[stranger_id]
        stranger.seen(record.timestamp, record.camera_id, record.camera_name)
        stranger.visits += 1
        record.stranger_id = stranger.stranger_id
        return stranger

    def _drop_empty_strangers(self) -> int:
        """Forget strangers none of whose faces are kept any more; return how many."""
        kept = {record.stranger_id for record in self.unknown.values()}
        empty = [stranger_id for stranger_id in self.strangers if stranger_id not in kept]
        for stranger_id in empty:
            del self.strangers[stranger_id]
        return len(empty)

    def prune_unknown(self, max_days: int, max_count: int) -> int:
        """Drop unknown faces older than ``max_days`` and all but the newest ``max_count``."""
        cutoff = dt_util.utcnow() - timedelta(days=max_days)
        keep = sorted(
            (record for record in self.unknown.values() if record.timestamp >= cutoff),
            key=lambda record: record.timestamp,
        )[-max_count:]
        removed = len(self.unknown) - len(keep)
        if removed:
            self.unknown = {record.unknown_id: record for record in keep}
            # A stranger expires with the last of its faces.
            self._drop_empty_strangers()
            self.schedule_save()
        return removed

    def mark_seen_earlier(self, person_id: str, when: datetime, camera_id: str) -> bool:
        """Move a person's last sighting to an earlier one found now, if it is later.

        Returns whether it was later (and so taken).
        """
        person = self.people.get(person_id)
        if person is None or (person.last_seen is not None and person.last_seen >= when):
            return False
        person.last_seen = when
        person.last_camera_id = camera_id
        self.schedule_save()
        return True

    def mark_seen(self, person_id: str, when: datetime, camera_id: str) -> None:
        """Remember when and where a person was last seen."""
        if (person := self.people.get(person_id)) is None:
            return
        person.last_seen = when
        person.last_camera_id = camera_id
        self.schedule_save()

    # Recent recognitions and their corrections ("not this person") ----------

    def add_recognition(self, record: RecognitionRecord, max_days: int, max_count: int) -> None:
        """Keep a new recognition for a while, bounded by the unknown-face retention options."""
        self.recognitions[record.recognition_id] = record
        self.prune_recognitions(max_days, max_count)
        self.schedule_save()

    def prune_recognitions(self, max_days: int, max_count: int) -> int:
        """Drop recognitions older than ``max_days`` and all but the newest ``max_count``."""
        cutoff = dt_util.utcnow() - timedelta(days=max_days)
        keep = sorted(
            (record for record in self.recognitions.values() if record.timestamp >= cutoff),
            key=lambda record: record.timestamp,
        )[-max_count:]
        removed = len(self.recognitions) - len(keep)
        if removed:
            self.recognitions = {record.recognition_id: record for record in keep}
            self.schedule_save()
        return removed

    def get_recognition(self, recognition_id: str) -> RecognitionRecord:
        """Return a kept recognition of a person still taught, or raise a translated error.

        A recognition already corrected, pruned, or of a person removed since
        cannot be corrected.
        """
        record = self.recognitions.get(recognition_id)
        if record is None or record.person_id not in self.people:
            raise OpenEyeValidationError(
                "unknown_recognition", {"recognition_id": recognition_id[:64]}
            )
        return record

    def add_counter_example(self, person_id: str, encoding: list[float]) -> Person:
        """Keep a face as one the person is not, keeping the newest few (saved by the caller)."""
        person = self.get_person(person_id)
        person.counter_examples = [*person.counter_examples, encoding][
            -MAX_COUNTER_EXAMPLES_PER_PERSON:
        ]
        return person
