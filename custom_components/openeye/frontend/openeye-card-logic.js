/**
 * The OpenEye card's logic without any DOM: configuration, the reducers that
 * turn pushed and polled messages into the card's state, formatting, the
 * teaching requests and who may see them.
 *
 * Reducers never mutate their input and never throw: a malformed message
 * returns the state it was given, unchanged (the same object), so the card can
 * tell by identity what changed and render only that.
 */

import { translate } from "./openeye-card-i18n.js";
import { normalizeError } from "./openeye-card-status.js";

export const CARD_TYPE = "custom:openeye-card";
export const PARTS = Object.freeze([
  "counters",
  "last_recognition",
  "cameras",
  "feed",
  "strangers",
  "teach",
]);
export const COUNTER_KEYS = Object.freeze([
  "known_people",
  "recognitions_today",
  "unknown_faces_today",
]);
export const CAMERA_EVENT_TYPES = Object.freeze([
  "face_detected",
  "face_recognized",
  "unknown_face",
  "motion_detected",
]);
// past_named is not a camera's event: OpenEye pushes it on its own when a
// person it was just taught turns out to be earlier unknown sightings.
export const FEED_EVENT_TYPES = Object.freeze([...CAMERA_EVENT_TYPES, "alert", "past_named"]);
// Detected faces precede every recognition, and motion starts whenever
// anything moves: both would crowd the feed out of what people want to see.
// Either can be shown by choice (feed_event_types, or the card's editor).
export const DEFAULT_FEED_EVENT_TYPES = Object.freeze([
  "face_recognized",
  "unknown_face",
  "alert",
  "past_named",
]);
export const CAMERA_STATUSES = Object.freeze([
  "connecting",
  "streaming",
  "reconnecting",
  "failed",
  "ended",
]);
// The pushes the card subscribes to, named explicitly: OpenEye may push other
// kinds (camera_figures, for instance) that the card does not show, and an
// explicit list keeps them off the wire. Every OpenEye version knows the
// first three (LEGACY_PUSHES); an OpenEye that refuses past_named as an
// unknown push type is asked again for those three only.
export const LEGACY_PUSHES = Object.freeze(["statistics_update", "camera_event", "alert"]);
export const SUBSCRIBED_PUSHES = Object.freeze([...LEGACY_PUSHES, "past_named"]);
export const DEFAULT_FEED_SIZE = 20;
export const MAX_FEED_SIZE = 100;
const MAX_TEXT = 200;
const MAX_URL = 4096;

// ---------------------------------------------------------------- config

const isPlainObject = (value) =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Checks a card configuration and returns it normalised, with every option
 * filled in. Throws an Error with a readable message (Home Assistant shows it
 * in an error card) when an option has the wrong type or value. Options the
 * card does not know (grid_options, visibility, …) are left to Home Assistant.
 */
export function validateConfig(config) {
  if (!isPlainObject(config)) throw new Error("OpenEye card: the configuration must be a mapping");
  if (config.type !== undefined && config.type !== CARD_TYPE) {
    throw new Error(`OpenEye card: type must be ${CARD_TYPE}`);
  }
  if (config.title !== undefined && typeof config.title !== "string") {
    throw new Error("OpenEye card: title must be text");
  }
  let cameraIds = [];
  if (config.camera_ids !== undefined && config.camera_ids !== null) {
    if (
      !Array.isArray(config.camera_ids) ||
      !config.camera_ids.every((id) => typeof id === "string" && id.trim() !== "")
    ) {
      throw new Error("OpenEye card: camera_ids must be a list of OpenEye camera ids");
    }
    cameraIds = [...new Set(config.camera_ids.map((id) => id.trim()))];
  }
  const normalized = {
    type: CARD_TYPE,
    title: config.title,
    camera_ids: cameraIds,
  };
  for (const part of PARTS) {
    const key = `show_${part}`;
    if (config[key] !== undefined && typeof config[key] !== "boolean") {
      throw new Error(`OpenEye card: ${key} must be true or false`);
    }
    normalized[key] = config[key] ?? true;
  }
  const size = config.feed_size ?? DEFAULT_FEED_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FEED_SIZE) {
    throw new Error(`OpenEye card: feed_size must be a whole number from 1 to ${MAX_FEED_SIZE}`);
  }
  normalized.feed_size = size;
  let types = DEFAULT_FEED_EVENT_TYPES;
  if (config.feed_event_types !== undefined) {
    if (
      !Array.isArray(config.feed_event_types) ||
      !config.feed_event_types.every((type) => FEED_EVENT_TYPES.includes(type))
    ) {
      throw new Error(
        `OpenEye card: feed_event_types must be a list of ${FEED_EVENT_TYPES.join(", ")}`,
      );
    }
    types = FEED_EVENT_TYPES.filter((type) => config.feed_event_types.includes(type));
  }
  normalized.feed_event_types = types;
  return normalized;
}

/**
 * The card's `openeye/subscribe` request: the pushes it shows, and its
 * cameras when it is limited to some (the server then filters for it). With
 * `legacy`, only the pushes every OpenEye knows (see LEGACY_PUSHES).
 *
 * @param {{camera_ids: string[]}} config A configuration from validateConfig.
 * @param {{legacy?: boolean}} [options]
 */
export function subscribeRequest(config, { legacy = false } = {}) {
  const pushes = legacy ? LEGACY_PUSHES : SUBSCRIBED_PUSHES;
  const request = { type: "openeye/subscribe", event_types: [...pushes] };
  if (config.camera_ids.length > 0) request.camera_ids = [...config.camera_ids];
  return request;
}

/** The configuration a new card starts with in the card picker: everything shown. */
export function stubConfig() {
  return { type: CARD_TYPE };
}

/**
 * The card's `camera_ids` after one camera was ticked or unticked in the
 * editor, in the order the editor lists the cameras (`order`); undefined when
 * none is left, which means every camera and keeps the YAML short.
 *
 * @param {unknown} ids The current value (a list of camera ids, or nothing).
 * @param {string} cameraId
 * @param {boolean} checked
 * @param {string[]} [order] The camera ids in the editor's order.
 * @returns {string[]|undefined}
 */
export function toggleCamera(ids, cameraId, checked, order = []) {
  const current = Array.isArray(ids) ? ids.filter((id) => typeof id === "string") : [];
  const chosen = current.filter((id) => id !== cameraId);
  if (checked && typeof cameraId === "string" && cameraId !== "") chosen.push(cameraId);
  const ordered = [...order.filter((id) => chosen.includes(id)), ...chosen.filter((id) => !order.includes(id))];
  return ordered.length === 0 ? undefined : ordered;
}

/**
 * The card's `feed_event_types` after one type was ticked or unticked in the
 * editor. No value means the default types; the result is undefined when it
 * is the default again, which keeps the YAML short.
 *
 * @param {unknown} types The current value (a list of event types, or nothing).
 * @param {string} eventType
 * @param {boolean} checked
 * @returns {string[]|undefined}
 */
export function toggleFeedEventType(types, eventType, checked) {
  const current = shownTypes({ feed_event_types: types });
  const set = new Set(current.filter((type) => type !== eventType));
  if (checked && FEED_EVENT_TYPES.includes(eventType)) set.add(eventType);
  const next = FEED_EVENT_TYPES.filter((type) => set.has(type));
  const isDefault =
    next.length === DEFAULT_FEED_EVENT_TYPES.length &&
    next.every((type) => DEFAULT_FEED_EVENT_TYPES.includes(type));
  return isDefault ? undefined : next;
}

/**
 * The cameras the editor offers: OpenEye's cameras (from openeye/statistics)
 * in their order, then any chosen id that OpenEye no longer knows (so that it
 * can be unticked), each with whether it is ticked.
 *
 * @param {unknown} cameras `cameras` of an openeye/statistics result.
 * @param {unknown} chosenIds The card's `camera_ids`.
 */
export function editorCameraChoices(cameras, chosenIds) {
  const chosen = Array.isArray(chosenIds) ? chosenIds : [];
  const choices = [];
  const seen = new Set();
  for (const raw of Array.isArray(cameras) ? cameras : []) {
    const camera = normalizeCamera(raw);
    if (camera === null || seen.has(camera.camera_id)) continue;
    seen.add(camera.camera_id);
    choices.push({ camera_id: camera.camera_id, name: camera.name, checked: chosen.includes(camera.camera_id), known: true });
  }
  for (const id of chosen) {
    if (typeof id !== "string" || seen.has(id)) continue;
    seen.add(id);
    choices.push({ camera_id: id, name: id, checked: true, known: false });
  }
  return choices;
}

/** The card's height in rows of 50 px, for masonry dashboards. */
export function cardSize(config) {
  let size = 1; // Header and status.
  if (config.show_counters) size += 1;
  if (config.show_last_recognition) size += 2;
  if (config.show_cameras) size += 2;
  if (config.show_feed) size += 3;
  if (config.show_strangers) size += 2;
  return size;
}

/**
 * Whether this user may change what OpenEye was taught (assign or delete a
 * stranger, say "not this person"): administrators only, as on the server.
 */
export function isAdmin(hass) {
  return hass?.user?.is_admin === true;
}

/** Whether this user sees the teaching controls: administrators, when the card shows them. */
export function canTeach(hass, config) {
  return Boolean(config?.show_teach) && hass?.user?.is_admin === true;
}

// ---------------------------------------------------------------- values

function cleanText(value) {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "") return null;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function cleanCount(value) {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.floor(value)
    : null;
}

function cleanTimestamp(value) {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function cleanConfidence(value) {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1
    ? value
    : null;
}

/**
 * An image address safe to put in <img src>: a path on Home Assistant
 * ("/api/…"), an http(s) address, or an inline JPEG/PNG/WebP; else null.
 */
export function safeImageUrl(value) {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_URL) return null;
  if (value.startsWith("/") && !value.startsWith("//")) return value;
  if (/^https?:\/\/[^\s]+$/i.test(value)) return value;
  if (/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/=]+$/.test(value)) return value;
  return null;
}

/**
 * The image address of one event, made unique to that event. OpenEye's
 * image_url is the address of a camera's *latest face* image entity, the
 * same for every event of that camera; without a distinct address the
 * browser would show one cached picture for all of them. Home Assistant's
 * image proxy ignores the extra query parameter.
 */
export function eventImageUrl(url, timestampMs) {
  const safe = safeImageUrl(url);
  if (safe === null || !safe.startsWith("/") || !Number.isFinite(timestampMs)) return safe;
  return `${safe}${safe.includes("?") ? "&" : "?"}openeye_ts=${Math.floor(timestampMs)}`;
}

/** A base64 JPEG thumbnail (people and unknown lists) as an <img src>, else null. */
export function thumbnailSrc(base64) {
  if (typeof base64 !== "string" || base64.length === 0) return null;
  if (base64.startsWith("data:image/")) return safeImageUrl(base64);
  if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) return null;
  return `data:image/jpeg;base64,${base64.replace(/\s+/g, "")}`;
}

function cameraRef(value) {
  if (!isPlainObject(value)) return null;
  const id = cleanText(value.camera_id);
  if (id === null) return null;
  return { camera_id: id, name: cleanText(value.name) ?? id };
}

function shownTypes(config) {
  return Array.isArray(config?.feed_event_types) ? config.feed_event_types : DEFAULT_FEED_EVENT_TYPES;
}

function inFilter(config, cameraId) {
  const ids = config?.camera_ids;
  return !Array.isArray(ids) || ids.length === 0 || ids.includes(cameraId);
}

/** A `last_recognition` object checked and reduced to what the card shows, else null. */
export function normalizeRecognition(value) {
  if (!isPlainObject(value)) return null;
  const cameraId = cleanText(value.camera_id);
  const timestamp = cleanTimestamp(value.timestamp);
  if (cameraId === null || timestamp === null) return null;
  return {
    person_id: cleanText(value.person_id),
    person_name: cleanText(value.person_name),
    camera_id: cameraId,
    camera_name: cleanText(value.camera_name) ?? cameraId,
    confidence: cleanConfidence(value.confidence),
    timestamp,
    image_url: eventImageUrl(value.image_url, timestamp),
  };
}

/** One camera of `statistics.cameras`, checked, else null. */
export function normalizeCamera(value) {
  if (!isPlainObject(value)) return null;
  const id = cleanText(value.camera_id);
  if (id === null) return null;
  return {
    camera_id: id,
    name: cleanText(value.name) ?? id,
    status: CAMERA_STATUSES.includes(value.status) ? value.status : "unknown",
    faces_in_view: cleanCount(value.faces_in_view) ?? 0,
    motion: value.motion === true,
    last_person: cleanText(value.last_person),
  };
}

function sameCamera(a, b) {
  return (
    a.camera_id === b.camera_id &&
    a.name === b.name &&
    a.status === b.status &&
    a.faces_in_view === b.faces_in_view &&
    a.motion === b.motion &&
    a.last_person === b.last_person
  );
}

/**
 * The statistics' last recognition, showing the face of the recognition
 * itself when the card already has it from its push. The statistics only
 * point at the camera's latest-face image, which shows whatever face came
 * last: a stranger seen a second later would appear under the person's name.
 */
function keepOwnFace(recognition, known) {
  if (
    recognition === null ||
    known === null ||
    recognition.person_id !== known.person_id ||
    recognition.timestamp !== known.timestamp ||
    typeof known.image_url !== "string" ||
    !known.image_url.startsWith("data:")
  ) {
    return recognition;
  }
  return { ...recognition, image_url: known.image_url };
}

function sameRecognition(a, b) {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.person_id === b.person_id &&
    a.person_name === b.person_name &&
    a.camera_id === b.camera_id &&
    a.camera_name === b.camera_name &&
    a.confidence === b.confidence &&
    a.timestamp === b.timestamp &&
    a.image_url === b.image_url
  );
}

// ---------------------------------------------------------------- state

/** The card's state before any message. */
export function createState() {
  return {
    counters: { known_people: null, recognitions_today: null, unknown_faces_today: null },
    lastRecognition: null,
    cameras: [],
    hasStatistics: false,
    feed: [],
    nextFeedId: 1,
    connectionId: null,
  };
}

/**
 * Applies one `openeye/statistics` result (from a `statistics_update` or a
 * poll). Counters are replaced figure by figure (a figure with a wrong type
 * keeps its old value); the cameras are replaced, limited to the card's
 * cameras; the last recognition is replaced unless it would go back in time
 * or belongs to a camera the card does not show. With `fromPoll`, a new last
 * recognition also enters the feed, since no camera_event reports it then.
 */
export function applyStatistics(state, statistics, config, { fromPoll = false } = {}) {
  if (!isPlainObject(statistics)) return state;
  let next = state;
  const update = (patch) => {
    if (next === state) next = { ...state };
    Object.assign(next, patch);
  };

  let counters = state.counters;
  for (const key of COUNTER_KEYS) {
    const value = cleanCount(statistics[key]);
    if (value !== null && value !== counters[key]) {
      if (counters === state.counters) counters = { ...counters };
      counters[key] = value;
    }
  }
  if (counters !== state.counters) update({ counters });

  if (Array.isArray(statistics.cameras)) {
    const previous = new Map(state.cameras.map((camera) => [camera.camera_id, camera]));
    const seen = new Set();
    const cameras = [];
    for (const raw of statistics.cameras) {
      const camera = normalizeCamera(raw);
      if (camera === null || seen.has(camera.camera_id) || !inFilter(config, camera.camera_id)) {
        continue;
      }
      seen.add(camera.camera_id);
      const old = previous.get(camera.camera_id);
      cameras.push(old && sameCamera(old, camera) ? old : camera);
    }
    const unchanged =
      cameras.length === state.cameras.length &&
      cameras.every((camera, i) => camera === state.cameras[i]);
    if (!unchanged) update({ cameras });
  }

  const recognition = keepOwnFace(normalizeRecognition(statistics.last_recognition), state.lastRecognition);
  if (
    recognition !== null &&
    inFilter(config, recognition.camera_id) &&
    (state.lastRecognition === null || recognition.timestamp >= state.lastRecognition.timestamp) &&
    !sameRecognition(recognition, state.lastRecognition)
  ) {
    update({ lastRecognition: recognition });
    if (fromPoll && shownTypes(config).includes("face_recognized")) {
      const item = {
        kind: "face_recognized",
        camera_id: recognition.camera_id,
        camera_name: recognition.camera_name,
        timestamp: recognition.timestamp,
        person_name: recognition.person_name,
        confidence: recognition.confidence,
        image_url: recognition.image_url,
        message: null,
      };
      const duplicate = next.feed.some(
        (old) =>
          old.kind === item.kind &&
          old.camera_id === item.camera_id &&
          old.timestamp === item.timestamp,
      );
      if (!duplicate) Object.assign(next, pushFeed(next, item, config));
    }
  }

  if (!state.hasStatistics) update({ hasStatistics: true });
  return next;
}

function pushFeed(state, item, config) {
  const size = config?.feed_size ?? DEFAULT_FEED_SIZE;
  const entry = { ...item, id: state.nextFeedId };
  return {
    feed: [entry, ...state.feed].slice(0, size),
    nextFeedId: state.nextFeedId + 1,
  };
}

/** A `camera_event` message checked and reduced to a feed entry (without id), else null. */
export function normalizeCameraEvent(msg) {
  if (!isPlainObject(msg) || !CAMERA_EVENT_TYPES.includes(msg.event_type)) return null;
  const camera = cameraRef(msg.camera);
  const timestamp = cleanTimestamp(msg.timestamp);
  if (camera === null || timestamp === null) return null;
  const data = msg.data === undefined || msg.data === null ? {} : msg.data;
  if (!isPlainObject(data)) return null;
  const item = {
    kind: msg.event_type,
    camera_id: camera.camera_id,
    camera_name: camera.name,
    timestamp,
    person_id: cleanText(data.person_id),
    person_name: cleanText(data.person_name),
    confidence: cleanConfidence(data.confidence),
    // The event's own face when the server sends it; the camera's
    // latest-face image otherwise (it may show a later face by now).
    image_url: thumbnailSrc(data.thumbnail) ?? eventImageUrl(data.image_url, timestamp),
    message: null,
  };
  // A recognition without a name says nothing; treat it as malformed.
  if (item.kind === "face_recognized" && item.person_name === null) return null;
  if (item.kind === "face_recognized") {
    // The id that "not this person" names; an older OpenEye sends none.
    item.recognition_id = cleanText(data.recognition_id);
    item.withdrawn = false;
  }
  if (item.kind === "unknown_face") {
    item.unknown_face_id = cleanText(data.unknown_face_id);
    // OpenEye pushes a stranger once per visit and marks that push as an
    // alert; an older OpenEye sent a separate alert push instead.
    item.alert = data.alert === true;
  }
  return item;
}

/**
 * An `alert` message checked and reduced to a feed entry (without id), else
 * null. An older OpenEye's `unknown_face` alert, which repeated the stranger's
 * camera_event, becomes that stranger's entry (kind unknown_face) so that
 * applyStranger can tell that both name the same visit.
 */
export function normalizeAlert(msg) {
  if (!isPlainObject(msg) || typeof msg.alert_type !== "string") return null;
  const timestamp = cleanTimestamp(msg.timestamp);
  if (timestamp === null) return null;
  const camera = cameraRef(msg.camera);
  const data = isPlainObject(msg.data) ? msg.data : {};
  const item = {
    kind: "alert",
    alert_type: cleanText(msg.alert_type),
    camera_id: camera?.camera_id ?? null,
    camera_name: camera?.name ?? null,
    timestamp,
    person_name: cleanText(data.person_name),
    confidence: null,
    image_url: thumbnailSrc(data.thumbnail) ?? eventImageUrl(data.image_url, timestamp),
    message: cleanText(msg.message),
    alert: true,
  };
  if (item.alert_type !== "unknown_face") return item;
  if (item.camera_id === null) return null;
  return {
    ...item,
    kind: "unknown_face",
    alert_type: null,
    person_name: null,
    message: null,
    unknown_face_id: cleanText(data.unknown_face_id),
  };
}

/**
 * Whether two stranger entries are the same visit: the same unknown face id
 * when both carry one, else the same camera at the same moment (both pushes
 * of an older OpenEye carried the frame's timestamp).
 */
function sameStranger(a, b) {
  if (a.unknown_face_id !== null && b.unknown_face_id !== null) {
    return a.unknown_face_id === b.unknown_face_id;
  }
  return a.camera_id === b.camera_id && a.timestamp === b.timestamp;
}

/**
 * Adds a stranger's visit to the feed once, whichever of its pushes comes:
 * OpenEye's single `unknown_face` camera_event (an alert), or an older
 * OpenEye's camera_event followed by an `unknown_face` alert. A second push
 * for a visit already listed only marks that entry as an alert. A stranger is
 * listed when the card shows unknown faces, or alerts and this is one.
 */
function applyStranger(state, item, config) {
  const index = state.feed.findIndex((old) => old.kind === "unknown_face" && sameStranger(old, item));
  if (index !== -1) {
    if (!item.alert || state.feed[index].alert) return state;
    const feed = [...state.feed];
    feed[index] = { ...feed[index], alert: true };
    return { ...state, feed };
  }
  const types = shownTypes(config);
  if (!types.includes("unknown_face") && !(item.alert && types.includes("alert"))) return state;
  return { ...state, ...pushFeed(state, item, config) };
}

function applyCameraEvent(state, msg, config) {
  const item = normalizeCameraEvent(msg);
  if (item === null || !inFilter(config, item.camera_id)) return state;
  let next = state;
  const update = (patch) => {
    if (next === state) next = { ...state };
    Object.assign(next, patch);
  };
  if (item.kind === "face_recognized") {
    const recognition = {
      person_id: item.person_id,
      person_name: item.person_name,
      camera_id: item.camera_id,
      camera_name: item.camera_name,
      confidence: item.confidence,
      timestamp: item.timestamp,
      image_url: item.image_url,
    };
    if (state.lastRecognition === null || item.timestamp >= state.lastRecognition.timestamp) {
      update({ lastRecognition: recognition });
    }
    const index = state.cameras.findIndex((camera) => camera.camera_id === item.camera_id);
    if (index !== -1 && state.cameras[index].last_person !== item.person_name) {
      const cameras = [...state.cameras];
      cameras[index] = { ...cameras[index], last_person: item.person_name };
      update({ cameras });
    }
  }
  if (item.kind === "unknown_face") return applyStranger(next, item, config);
  if (shownTypes(config).includes(item.kind)) {
    update(pushFeed(next, item, config));
  }
  return next;
}

function applyAlert(state, msg, config) {
  const item = normalizeAlert(msg);
  if (item === null) return state;
  if (item.camera_id !== null && !inFilter(config, item.camera_id)) return state;
  if (item.kind === "unknown_face") return applyStranger(state, item, config);
  if (!shownTypes(config).includes("alert")) return state;
  return { ...state, ...pushFeed(state, item, config) };
}

/**
 * What a push says besides its type: its `data` when it has one, else the
 * message itself (a push may carry its fields either way).
 */
function pushData(msg) {
  return isPlainObject(msg.data) ? msg.data : msg;
}

/**
 * Marks the feed's recognition that a `recognition_withdrawn` push names as
 * withdrawn (an admin said it was not that person). The push may come as its
 * own type or as a camera_event of that event_type.
 */
function applyWithdrawn(state, msg) {
  const recognitionId = cleanText(pushData(msg).recognition_id);
  if (recognitionId === null) return state;
  const index = state.feed.findIndex(
    (item) => item.kind === "face_recognized" && item.recognition_id === recognitionId,
  );
  if (index === -1 || state.feed[index].withdrawn) return state;
  const feed = [...state.feed];
  feed[index] = { ...feed[index], withdrawn: true };
  return { ...state, feed };
}

/** A camera named in a list of a push: its name as text, or an object with one. */
function cameraName(value) {
  if (isPlainObject(value)) return cleanText(value.camera_name) ?? cleanText(value.name);
  return cleanText(value);
}

/** A `past_named` push checked and reduced to a feed entry (without id), else null. */
export function normalizePastNamed(msg) {
  if (!isPlainObject(msg)) return null;
  const data = pushData(msg);
  const name = cleanText(data.person_name);
  const sightings = cleanCount(data.sightings);
  if (name === null || sightings === null || sightings < 1) return null;
  const cameras = [
    ...new Set((Array.isArray(data.cameras) ? data.cameras : []).map(cameraName).filter(Boolean)),
  ];
  // The moment it was announced; the push's last_seen is the latest sighting,
  // which may be days old, and the feed lists what happens now.
  const timestamp = cleanTimestamp(msg.timestamp) ?? cleanTimestamp(data.timestamp) ?? Date.now();
  return {
    kind: "past_named",
    camera_id: null,
    camera_name: null,
    timestamp,
    person_id: cleanText(data.person_id),
    person_name: name,
    confidence: null,
    image_url: null,
    message: null,
    sightings,
    cameras,
    last_seen: cleanTimestamp(data.last_seen),
  };
}

function applyPastNamed(state, msg, config) {
  const item = normalizePastNamed(msg);
  if (item === null || !shownTypes(config).includes("past_named")) return state;
  return { ...state, ...pushFeed(state, item, config) };
}

/**
 * Marks a recognition of the feed withdrawn at once when this card's own
 * "not this person" was acknowledged (the push that follows finds it done).
 */
export function markWithdrawn(state, recognitionId) {
  return applyWithdrawn(state, { recognition_id: recognitionId });
}

/**
 * The state after one pushed message of `openeye/subscribe`. Unknown types
 * and malformed messages return `state` itself; this function never throws.
 */
export function reduceMessage(state, msg, config) {
  try {
    if (!isPlainObject(msg) || typeof msg.type !== "string") return state;
    switch (msg.type) {
      case "statistics_update":
        return applyStatistics(state, msg.statistics, config);
      case "camera_event":
        if (msg.event_type === "recognition_withdrawn") return applyWithdrawn(state, msg);
        if (msg.event_type === "past_named") return applyPastNamed(state, msg, config);
        return applyCameraEvent(state, msg, config);
      case "recognition_withdrawn":
        return applyWithdrawn(state, msg);
      case "past_named":
        return applyPastNamed(state, msg, config);
      case "alert":
        return applyAlert(state, msg, config);
      case "connection_status": {
        const id = cleanText(msg.connection_id);
        return id === null || id === state.connectionId ? state : { ...state, connectionId: id };
      }
      default:
        return state;
    }
  } catch {
    return state;
  }
}

/**
 * OpenEye's counter sensors among Home Assistant's entities (`hass.entities`):
 * entities of the `openeye` platform whose translation key is a counter's
 * name (known_people, recognitions_today, unknown_faces_today), as
 * [{entity_id, key}]. The card computes it again only when the registry changes.
 */
export function counterEntities(entities) {
  const found = [];
  if (!isPlainObject(entities)) return found;
  for (const entry of Object.values(entities)) {
    if (!isPlainObject(entry) || entry.platform !== "openeye") continue;
    if (!COUNTER_KEYS.includes(entry.translation_key) || typeof entry.entity_id !== "string") continue;
    found.push({ entity_id: entry.entity_id, key: entry.translation_key });
  }
  return found;
}

/**
 * The counters that OpenEye's own sensors show, for Polling: the numeric
 * states of the counter sensors (see counterEntities; computed from `hass`
 * when not given). Returns only the figures found.
 */
export function countersFromEntities(hass, sensors = counterEntities(hass?.entities)) {
  const found = {};
  const states = hass?.states;
  if (!isPlainObject(states)) return found;
  for (const { entity_id: entityId, key } of sensors) {
    const raw = states[entityId]?.state;
    if (typeof raw !== "string" || raw.trim() === "") continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) found[key] = Math.floor(value);
  }
  return found;
}

/**
 * The figures of `found` that differ from `previous` (both as returned by
 * countersFromEntities): in Polling the card applies only the sensors that
 * changed since it last looked, so an entity that has not been updated yet
 * never overwrites a fresher figure read with openeye/statistics.
 */
export function changedCounters(previous, found) {
  const changed = {};
  for (const [key, value] of Object.entries(found ?? {})) {
    if (previous?.[key] !== value) changed[key] = value;
  }
  return changed;
}

/** The state with the given counters (figures by name) replaced. */
export function applyEntityCounters(state, found) {
  let counters = state.counters;
  for (const key of COUNTER_KEYS) {
    const value = cleanCount(found?.[key]);
    if (value === null || counters[key] === value) continue;
    if (counters === state.counters) counters = { ...counters };
    counters[key] = value;
  }
  return counters === state.counters ? state : { ...state, counters };
}

// ---------------------------------------------------------------- formatting

const RELATIVE_UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "5 minutes ago", "now", "vor 2 Stunden"… from Intl.RelativeTimeFormat. */
export function formatRelativeTime(timestampMs, nowMs, language) {
  if (!Number.isFinite(timestampMs) || !Number.isFinite(nowMs)) return "";
  const seconds = Math.round((timestampMs - nowMs) / 1000);
  let format;
  try {
    format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  } catch {
    format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  }
  // Clocks drift a little: a time a few seconds ahead still reads "now".
  if (Math.abs(seconds) < 10) return format.format(0, "second");
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, "second");
}

/** The time zone Home Assistant's profile asks for: the server's or the browser's (undefined). */
export function timeZoneFor(hass) {
  return hass?.locale?.time_zone === "server" && typeof hass?.config?.time_zone === "string"
    ? hass.config.time_zone
    : undefined;
}

/** A clock time such as 10:15:02, with the date when it is not today. */
export function formatClock(timestampMs, nowMs, language, timeZone) {
  if (!Number.isFinite(timestampMs)) return "";
  const options = { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone };
  const dayOptions = { year: "numeric", month: "2-digit", day: "2-digit", timeZone };
  try {
    const sameDay =
      new Intl.DateTimeFormat("en", dayOptions).format(timestampMs) ===
      new Intl.DateTimeFormat("en", dayOptions).format(nowMs);
    const format = new Intl.DateTimeFormat(
      language,
      sameDay ? options : { ...options, month: "short", day: "numeric" },
    );
    return format.format(timestampMs);
  } catch {
    return new Date(timestampMs).toISOString();
  }
}

/** A full date and time, for tooltips. */
export function formatDateTime(timestampMs, language, timeZone) {
  if (!Number.isFinite(timestampMs)) return "";
  try {
    return new Intl.DateTimeFormat(language, {
      dateStyle: "medium",
      timeStyle: "medium",
      timeZone,
    }).format(timestampMs);
  } catch {
    return new Date(timestampMs).toISOString();
  }
}

/** 0.61 → "61%" in the user's language. */
export function formatConfidence(confidence, language) {
  if (typeof confidence !== "number" || !Number.isFinite(confidence)) return "";
  try {
    return new Intl.NumberFormat(language, { style: "percent", maximumFractionDigits: 0 }).format(
      confidence,
    );
  } catch {
    return `${Math.round(confidence * 100)}%`;
  }
}

/** The translated one-line description of a feed entry. */
export function describeFeedItem(item, language) {
  const someone = translate(language, "feed.someone");
  switch (item.kind) {
    case "face_recognized": {
      const name = item.person_name ?? someone;
      return item.confidence === null
        ? translate(language, "feed.face_recognized", { name })
        : translate(language, "feed.face_recognized_confidence", {
            name,
            confidence: formatConfidence(item.confidence, language),
          });
    }
    case "unknown_face":
      return translate(language, "feed.unknown_face");
    case "past_named":
      return item.cameras.length === 0
        ? translate(language, "feed.past_named", { name: item.person_name, count: item.sightings })
        : translate(language, "feed.past_named_cameras", {
            name: item.person_name,
            count: item.sightings,
            cameras: item.cameras.join(", "),
          });
    case "face_detected":
      return translate(language, "feed.face_detected");
    case "motion_detected":
      return translate(language, "feed.motion_detected");
    case "alert": {
      // Strangers are unknown_face entries, whichever push announced them.
      const head =
        item.alert_type === "camera_down"
          ? translate(language, "feed.alert_camera_down")
          : translate(language, "feed.alert");
      return item.message ? `${head}: ${item.message}` : head;
    }
    default:
      return "";
  }
}

// ---------------------------------------------------------------- teaching

/** A client-side validation error, shaped like Home Assistant's errors. */
export class TeachInputError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

function requireName(name) {
  const text = typeof name === "string" ? name.trim() : "";
  if (text === "") throw new TeachInputError("name_required");
  return text;
}

/**
 * The `openeye/unknown/assign` request: to an existing person when
 * `personId` is given, else to a new person called `name`.
 */
export function buildAssignRequest(unknownId, { name, personId } = {}) {
  if (typeof unknownId !== "string" || unknownId === "") {
    throw new TeachInputError("invalid_format");
  }
  if (typeof personId === "string" && personId !== "") {
    return { type: "openeye/unknown/assign", unknown_id: unknownId, person_id: personId };
  }
  return { type: "openeye/unknown/assign", unknown_id: unknownId, name: requireName(name) };
}

/** The `openeye/people/rename` request. */
export function buildRenameRequest(personId, name) {
  if (typeof personId !== "string" || personId === "") throw new TeachInputError("invalid_format");
  return { type: "openeye/people/rename", person_id: personId, name: requireName(name) };
}

/** The `openeye/people/delete` request. */
export function buildDeleteRequest(personId) {
  if (typeof personId !== "string" || personId === "") throw new TeachInputError("invalid_format");
  return { type: "openeye/people/delete", person_id: personId };
}

/**
 * The `openeye/strangers/assign` request: the stranger's faces go to an
 * existing person when `personId` is given, else to a new person called `name`.
 */
export function buildStrangerAssignRequest(strangerId, { name, personId } = {}) {
  if (typeof strangerId !== "string" || strangerId === "") {
    throw new TeachInputError("invalid_format");
  }
  if (typeof personId === "string" && personId !== "") {
    return { type: "openeye/strangers/assign", stranger_id: strangerId, person_id: personId };
  }
  return { type: "openeye/strangers/assign", stranger_id: strangerId, name: requireName(name) };
}

/** The `openeye/strangers/delete` request. */
export function buildStrangerDeleteRequest(strangerId) {
  if (typeof strangerId !== "string" || strangerId === "") {
    throw new TeachInputError("invalid_format");
  }
  return { type: "openeye/strangers/delete", stranger_id: strangerId };
}

/** The `openeye/recognitions/correct` request ("not this person") for one recognition. */
export function buildCorrectRequest(recognitionId) {
  if (typeof recognitionId !== "string" || recognitionId === "") {
    throw new TeachInputError("invalid_format");
  }
  return { type: "openeye/recognitions/correct", recognition_id: recognitionId };
}

// The largest photo the card sends. OpenEye takes base64 up to
// MAX_IMAGE_BASE64 (websocket_api.py, 14 MiB), but Home Assistant's websocket
// closes the connection on any message over 4 MiB before OpenEye sees it; a
// 3 MB photo is 4 MB of base64 with room left for the rest of the message.
export const MAX_PHOTO_BYTES = 3 * 1000 * 1000;
export const MAX_PHOTO_BASE64 = Math.ceil(MAX_PHOTO_BYTES / 3) * 4 + 64;
export const PHOTO_TYPES = Object.freeze(["image/jpeg", "image/png", "image/webp"]);

/**
 * Checks a chosen file before it is read: a JPEG, PNG or WebP picture of at
 * most MAX_PHOTO_BYTES. Throws TeachInputError (photo_required,
 * not_an_image, image_too_large); the file is never read when it is refused.
 *
 * @param {{size: number, type: string}|null|undefined} file
 */
export function checkPhotoFile(file) {
  if (!file || typeof file.size !== "number") throw new TeachInputError("photo_required");
  // Some systems give no type for a picture; the server checks the content anyway.
  if (typeof file.type === "string" && file.type !== "" && !PHOTO_TYPES.includes(file.type)) {
    throw new TeachInputError("not_an_image");
  }
  if (file.size > MAX_PHOTO_BYTES) throw new TeachInputError("image_too_large");
  if (file.size === 0) throw new TeachInputError("not_an_image");
  return file;
}

/**
 * The `openeye/people/enroll` request: a new person called `name`, or one
 * more photo for `personId`, from `image` (base64 or a data URL) or from the
 * current frame of the camera entity `cameraEntityId`.
 */
export function buildEnrollRequest({ name, personId, image, cameraEntityId } = {}) {
  const request = { type: "openeye/people/enroll" };
  if (typeof personId === "string" && personId !== "") request.person_id = personId;
  else request.name = requireName(name);
  if (typeof cameraEntityId === "string" && cameraEntityId.startsWith("camera.")) {
    request.camera_entity_id = cameraEntityId;
  } else if (typeof image === "string" && image !== "") {
    if (image.length > MAX_PHOTO_BASE64) throw new TeachInputError("image_too_large");
    request.image = image;
  } else {
    throw new TeachInputError("photo_required");
  }
  return request;
}

/**
 * The cameras Home Assistant has (`hass.states`), for "the camera's current
 * frame": [{entity_id, name}] sorted by name.
 */
export function cameraEntities(hass, language) {
  const states = hass?.states;
  if (!isPlainObject(states)) return [];
  const cameras = [];
  for (const [entityId, state] of Object.entries(states)) {
    if (!entityId.startsWith("camera.")) continue;
    cameras.push({ entity_id: entityId, name: cleanText(state?.attributes?.friendly_name) ?? entityId });
  }
  const collator = new Intl.Collator(language, { sensitivity: "base" });
  return cameras.sort((a, b) => collator.compare(a.name, b.name));
}

/**
 * The entries of a list from OpenEye that are objects with a usable id under
 * `idKey`, the first of each id only, each made into what the card keeps by
 * `make(raw, id)`.
 */
function entriesById(list, idKey, make) {
  const entries = [];
  const seen = new Set();
  for (const raw of Array.isArray(list) ? list : []) {
    if (!isPlainObject(raw)) continue;
    const id = cleanText(raw[idKey]);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    entries.push(make(raw, id));
  }
  return entries;
}

/** The people of an `openeye/people/list` result, checked and sorted by name. */
export function normalizePeople(result, language) {
  const people = entriesById(result?.people, "person_id", (raw, id) => ({
    person_id: id,
    name: cleanText(raw.name) ?? id,
    encodings: cleanCount(raw.encodings),
    thumbnail: thumbnailSrc(raw.thumbnail),
  }));
  const collator = new Intl.Collator(language, { sensitivity: "base" });
  return people.sort((a, b) => collator.compare(a.name, b.name));
}

/** The faces of an `openeye/unknown/list` result, checked, newest first. */
export function normalizeUnknownFaces(result) {
  const faces = entriesById(result?.unknown_faces, "unknown_id", (raw, id) => ({
    unknown_id: id,
    camera_id: cleanText(raw.camera_id),
    camera_name: cleanText(raw.camera_name) ?? cleanText(raw.camera_id),
    timestamp: cleanTimestamp(raw.timestamp),
    thumbnail: thumbnailSrc(raw.thumbnail),
  }));
  return faces.sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
}

/**
 * The strangers of an `openeye/strangers/list` result, checked, newest first:
 * label, visits, the names of the cameras that saw them, first and last seen,
 * how many faces they hold and a thumbnail.
 */
export function normalizeStrangers(result) {
  const strangers = entriesById(result?.strangers, "stranger_id", (raw, id) => ({
    stranger_id: id,
    label: cleanText(raw.label) ?? id,
    visits: cleanCount(raw.visits),
    cameras: [
      ...new Set((Array.isArray(raw.cameras) ? raw.cameras : []).map(cameraName).filter(Boolean)),
    ],
    first_seen: cleanTimestamp(raw.first_seen),
    last_seen: cleanTimestamp(raw.last_seen),
    faces: Array.isArray(raw.face_ids) ? raw.face_ids.length : null,
    thumbnail: thumbnailSrc(raw.thumbnail),
  }));
  return strangers.sort((a, b) => (b.last_seen ?? 0) - (a.last_seen ?? 0));
}

// Error codes with their own translation; home-assistant-js-websocket rejects
// with the number 3 when the connection is lost during a call.
export const KNOWN_ERRORS = new Set([
  "invalid_format",
  "not_found",
  "unauthorized",
  "too_many_subscriptions",
  "not_loaded",
  "unknown_command",
  "no_face",
  "several_faces",
  "not_an_image",
  "image_too_large",
  "duplicate_name",
  "name_required",
  "photo_required",
  "unknown_stranger",
  "unknown_recognition",
  "connection_lost",
  "timeout",
]);

// Codes that name a kind of failure but not what failed: for these the
// server's own message (translated by Home Assistant) says more.
const VAGUE_ERRORS = new Set(["invalid_format", "not_found"]);

/** The translated text for an error of a WebSocket call (or of the card's own checks). */
export function errorText(err, language) {
  const { code, message } = normalizeError(err);
  const key = code === "3" ? "connection_lost" : code;
  if (KNOWN_ERRORS.has(key)) return translate(language, `error.${key}`);
  return translate(language, "error.unknown", { message: message || code });
}

/**
 * The text for a refused teaching action (enroll, a stranger's assignment,
 * "not this person"): the card's own translation when it knows the code
 * precisely, else the websocket error's `message` (Home Assistant's
 * translation of OpenEye's refusal, such as a name that is too long or a
 * camera that gave no picture), else the card's generic text.
 */
export function refusalText(err, language) {
  const { code, message } = normalizeError(err);
  const key = code === "3" ? "connection_lost" : code;
  if (KNOWN_ERRORS.has(key) && !VAGUE_ERRORS.has(key)) return translate(language, `error.${key}`);
  if (message !== "" && key !== "connection_lost") return message;
  return errorText(err, language);
}

/**
 * A chosen photo (a File or Blob, checked by checkPhotoFile) as the base64
 * text that `openeye/people/enroll` takes, read in chunks so that a large
 * photo never exceeds the engine's limit on a function's arguments.
 *
 * @param {{arrayBuffer: () => Promise<ArrayBuffer>}} file
 * @returns {Promise<string>}
 */
export async function photoToBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const CHUNK = 0x8000;
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
