// The card's logic for issue 12, without a DOM: recurring strangers, "not
// this person" (recognition ids and withdrawn recognitions), past sightings
// named, and teaching from a photo (requests, the client's size guard and how
// a refusal is shown).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  buildCorrectRequest,
  buildEnrollRequest,
  buildStrangerAssignRequest,
  buildStrangerDeleteRequest,
  cameraEntities,
  checkPhotoFile,
  createState,
  describeFeedItem,
  isAdmin,
  markWithdrawn,
  MAX_PHOTO_BASE64,
  MAX_PHOTO_BYTES,
  normalizePastNamed,
  normalizeStrangers,
  photoToBase64,
  reduceMessage,
  refusalText,
  TeachInputError,
  validateConfig,
} from "../../custom_components/openeye/frontend/openeye-card-logic.js";

const FRONT = "01JDFRONT";
const ALL = validateConfig({ type: "custom:openeye-card" });

function recognized({ name = "Ada", recognitionId = "r1", at = "2026-11-25T10:20:00+00:00" } = {}) {
  return {
    type: "camera_event",
    event_type: "face_recognized",
    camera: { camera_id: FRONT, name: "Front door" },
    timestamp: at,
    data: { person_id: `p-${name}`, person_name: name, confidence: 0.7, recognition_id: recognitionId },
  };
}

const withdrawn = (recognitionId) => ({
  type: "camera_event",
  event_type: "recognition_withdrawn",
  camera: { camera_id: FRONT, name: "Front door" },
  timestamp: "2026-11-25T10:21:00+00:00",
  data: { recognition_id: recognitionId, person_id: "p-Ada", person_name: "Ada", camera_id: FRONT, camera_name: "Front door" },
});

const pastNamed = (overrides = {}) => ({
  type: "past_named",
  data: {
    person_id: "p-alice",
    person_name: "Alice",
    sightings: 3,
    cameras: ["Door", "Yard"],
    last_seen: "2026-11-24T18:00:00+00:00",
    ...overrides,
  },
});

describe("not this person", () => {
  it("keeps a recognition's id from its push, and nothing when an older OpenEye sends none", () => {
    const state = reduceMessage(createState(), recognized({ recognitionId: "abc123" }), ALL);
    assert.equal(state.feed[0].recognition_id, "abc123");
    assert.equal(state.feed[0].withdrawn, false);
    const old = recognized();
    delete old.data.recognition_id;
    assert.equal(reduceMessage(createState(), old, ALL).feed[0].recognition_id, null);
  });

  it("marks the named recognition withdrawn, from a camera_event or a push of its own, and only it", () => {
    let state = reduceMessage(createState(), recognized({ name: "Ada", recognitionId: "r1" }), ALL);
    state = reduceMessage(state, recognized({ name: "Bo", recognitionId: "r2" }), ALL);
    const marked = reduceMessage(state, withdrawn("r1"), ALL);
    assert.deepEqual(marked.feed.map((item) => [item.person_name, item.withdrawn]), [["Bo", false], ["Ada", true]]);
    // The entry is a new object; the one before is left as it was.
    assert.equal(state.feed[1].withdrawn, false);
    assert.equal(marked.feed[0], state.feed[0]);
    const own = reduceMessage(state, { type: "recognition_withdrawn", recognition_id: "r2" }, ALL);
    assert.deepEqual(own.feed.map((item) => item.withdrawn), [true, false]);
    // Once withdrawn, the same push again changes nothing.
    assert.equal(reduceMessage(marked, withdrawn("r1"), ALL), marked);
  });

  it("ignores a withdrawal of a recognition the feed does not hold, or without an id", () => {
    const state = reduceMessage(createState(), recognized({ recognitionId: "r1" }), ALL);
    assert.equal(reduceMessage(state, withdrawn("elsewhere"), ALL), state);
    assert.equal(reduceMessage(state, { type: "recognition_withdrawn", data: {} }, ALL), state);
    assert.equal(reduceMessage(state, { type: "recognition_withdrawn", data: { recognition_id: 5 } }, ALL), state);
    assert.equal(markWithdrawn(state, "r1").feed[0].withdrawn, true);
  });

  it("builds the correction request and refuses one without a recognition id", () => {
    assert.deepEqual(buildCorrectRequest("abc"), { type: "openeye/recognitions/correct", recognition_id: "abc" });
    assert.throws(() => buildCorrectRequest(""), TeachInputError);
    assert.throws(() => buildCorrectRequest(null), (err) => err.code === "invalid_format");
  });

  it("is offered to administrators only", () => {
    assert.equal(isAdmin({ user: { is_admin: true } }), true);
    assert.equal(isAdmin({ user: { is_admin: false } }), false);
    assert.equal(isAdmin({ user: { is_admin: "yes" } }), false);
    assert.equal(isAdmin(undefined), false);
  });
});

describe("past sightings named", () => {
  it("becomes a feed entry that says who, how many and where", () => {
    const state = reduceMessage(createState(), pastNamed(), ALL);
    assert.equal(state.feed.length, 1);
    const [item] = state.feed;
    assert.equal(item.kind, "past_named");
    assert.deepEqual(item.cameras, ["Door", "Yard"]);
    assert.equal(item.last_seen, Date.parse("2026-11-24T18:00:00Z"));
    assert.equal(describeFeedItem(item, "en"), "Alice: 3 earlier sightings named (Door, Yard)");
    assert.equal(describeFeedItem(item, "de"), "Alice: 3 frühere Sichtungen benannt (Door, Yard)");
    const one = normalizePastNamed(pastNamed({ sightings: 1, cameras: [] }));
    assert.equal(describeFeedItem(one, "en"), "Alice: 1 earlier sighting named");
  });

  it("takes its fields flat or under data, camera names as text or objects, and a camera_event of that type", () => {
    const flat = normalizePastNamed({ type: "past_named", person_name: "Alice", sightings: 2, cameras: [{ camera_name: "Door" }, { name: "Yard" }, "Door"] });
    assert.deepEqual(flat.cameras, ["Door", "Yard"]);
    const event = { type: "camera_event", event_type: "past_named", camera: { camera_id: FRONT, name: "Front door" }, timestamp: "2026-11-25T10:00:00Z", data: pastNamed().data };
    const state = reduceMessage(createState(), event, ALL);
    assert.equal(state.feed[0].timestamp, Date.parse("2026-11-25T10:00:00Z"));
  });

  it("is left out when malformed or when the card does not show it", () => {
    const start = createState();
    for (const bad of [pastNamed({ person_name: null }), pastNamed({ sightings: 0 }), pastNamed({ sightings: "3" }), { type: "past_named", data: [] }]) {
      assert.equal(reduceMessage(start, bad, ALL), start);
    }
    const without = validateConfig({ feed_event_types: ["face_recognized"] });
    assert.equal(reduceMessage(start, pastNamed(), without), start);
  });
});

describe("strangers", () => {
  it("lists the strangers checked, newest first, with visits, camera names and a thumbnail", () => {
    const strangers = normalizeStrangers({
      strangers: [
        { stranger_id: "s1", label: "Unknown 1", first_seen: "2026-11-20T10:00:00Z", last_seen: "2026-11-21T10:00:00Z", visits: 2, cameras: [{ camera_id: FRONT, camera_name: "Front door" }], face_ids: ["u1", "u2"], thumbnail: "/9j/AA" },
        { stranger_id: "s3", label: "Unknown 3", first_seen: "2026-11-22T10:00:00Z", last_seen: "2026-11-25T10:00:00Z", visits: 5, cameras: [{ camera_id: FRONT, camera_name: "Front door" }, { camera_id: "y", camera_name: "Yard" }], face_ids: ["u3"], thumbnail: "/9j/BB" },
        { stranger_id: "s1", label: "a duplicate" },
        { label: "no id" },
        "junk",
      ],
    });
    assert.deepEqual(strangers.map((s) => s.stranger_id), ["s3", "s1"]);
    assert.deepEqual(strangers[0], {
      stranger_id: "s3",
      label: "Unknown 3",
      visits: 5,
      cameras: ["Front door", "Yard"],
      first_seen: Date.parse("2026-11-22T10:00:00Z"),
      last_seen: Date.parse("2026-11-25T10:00:00Z"),
      faces: 1,
      thumbnail: "data:image/jpeg;base64,/9j/BB",
    });
    assert.deepEqual(normalizeStrangers(null), []);
    assert.deepEqual(normalizeStrangers({ strangers: "no" }), []);
  });

  it("builds the assign request for a new or an existing person, and the delete request", () => {
    assert.deepEqual(buildStrangerAssignRequest("s1", { name: " Alice " }), { type: "openeye/strangers/assign", stranger_id: "s1", name: "Alice" });
    assert.deepEqual(buildStrangerAssignRequest("s1", { name: "ignored", personId: "p1" }), { type: "openeye/strangers/assign", stranger_id: "s1", person_id: "p1" });
    assert.throws(() => buildStrangerAssignRequest("s1", { name: "  " }), (err) => err.code === "name_required");
    assert.throws(() => buildStrangerAssignRequest("", { name: "Alice" }), (err) => err.code === "invalid_format");
    assert.deepEqual(buildStrangerDeleteRequest("s1"), { type: "openeye/strangers/delete", stranger_id: "s1" });
    assert.throws(() => buildStrangerDeleteRequest(undefined), TeachInputError);
  });
});

describe("teaching from a photo", () => {
  it("builds the enroll request from a photo or a camera, for a new or an existing person", () => {
    assert.deepEqual(buildEnrollRequest({ name: " Ada ", image: "QUJD" }), { type: "openeye/people/enroll", name: "Ada", image: "QUJD" });
    assert.deepEqual(buildEnrollRequest({ personId: "p1", cameraEntityId: "camera.door" }), { type: "openeye/people/enroll", person_id: "p1", camera_entity_id: "camera.door" });
    assert.throws(() => buildEnrollRequest({ name: "Ada" }), (err) => err.code === "photo_required");
    assert.throws(() => buildEnrollRequest({ image: "QUJD" }), (err) => err.code === "name_required");
    assert.throws(() => buildEnrollRequest({ name: "Ada", cameraEntityId: "light.kitchen" }), (err) => err.code === "photo_required");
  });

  it("refuses a photo too large for Home Assistant's websocket before reading it, and a file that is not a picture", () => {
    const photo = (size, type = "image/jpeg") => ({ size, type });
    assert.doesNotThrow(() => checkPhotoFile(photo(MAX_PHOTO_BYTES)));
    assert.throws(() => checkPhotoFile(photo(MAX_PHOTO_BYTES + 1)), (err) => err.code === "image_too_large");
    assert.throws(() => checkPhotoFile(photo(1000, "application/pdf")), (err) => err.code === "not_an_image");
    assert.throws(() => checkPhotoFile(photo(0)), (err) => err.code === "not_an_image");
    assert.throws(() => checkPhotoFile(undefined), (err) => err.code === "photo_required");
    // A picture the system gives no type for is left to the server.
    assert.doesNotThrow(() => checkPhotoFile(photo(1000, "")));
    // The largest accepted photo fits the 4 MiB websocket message, with the base64 guard above it.
    assert.ok(MAX_PHOTO_BASE64 >= Math.ceil(MAX_PHOTO_BYTES / 3) * 4);
    assert.ok(MAX_PHOTO_BASE64 + 1024 < 4 * 1024 * 1024);
    assert.throws(() => buildEnrollRequest({ name: "Ada", image: "A".repeat(MAX_PHOTO_BASE64 + 1) }), (err) => err.code === "image_too_large");
  });

  it("reads a photo as base64, also one larger than a single chunk", async () => {
    const bytes = new Uint8Array(100000).map((_, i) => i % 251);
    const text = await photoToBase64(new Blob([bytes]));
    assert.deepEqual(new Uint8Array(Buffer.from(text, "base64")), bytes);
  });

  it("offers Home Assistant's cameras by name", () => {
    const hass = {
      states: {
        "camera.yard": { attributes: { friendly_name: "Yard" } },
        "light.kitchen": { attributes: { friendly_name: "Kitchen" } },
        "camera.door": { attributes: { friendly_name: "Door" } },
        "camera.bare": {},
      },
    };
    assert.deepEqual(cameraEntities(hass, "en"), [
      { entity_id: "camera.bare", name: "camera.bare" },
      { entity_id: "camera.door", name: "Door" },
      { entity_id: "camera.yard", name: "Yard" },
    ]);
    assert.deepEqual(cameraEntities({}, "en"), []);
  });
});

describe("refusals", () => {
  it("shows the card's translation for a precise code, the server's message for the rest", () => {
    assert.equal(refusalText({ code: "no_face", message: "No face was found in the image." }, "de"), "Im Bild wurde kein Gesicht gefunden.");
    assert.equal(refusalText({ code: "unknown_recognition", message: "x" }, "fr"), "Cette reconnaissance n’est plus gardée ou a déjà été corrigée.");
    // invalid_format and not_found say little; the server's message says which.
    assert.equal(refusalText({ code: "invalid_format", message: "Give a name or a person, not both." }, "en"), "Give a name or a person, not both.");
    assert.equal(refusalText({ code: "name_too_long", message: "A name has at most 100 characters." }, "en"), "A name has at most 100 characters.");
    assert.equal(refusalText({ code: "not_found", message: "" }, "en"), "It no longer exists; the list has been refreshed.");
    assert.equal(refusalText(3, "en"), "The connection to Home Assistant was lost.");
    assert.equal(refusalText(new TeachInputError("photo_required"), "en"), "Choose a photo or a camera.");
  });
});
