// The card's pure logic (openeye-card-logic.js): configuration and editor
// changes, reducers, formatting, teaching requests and admin-only visibility.
// Run: node --test tests/frontend/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  applyEntityCounters,
  applyStatistics,
  buildAssignRequest,
  buildDeleteRequest,
  buildRenameRequest,
  canTeach,
  cardSize,
  changedCounters,
  counterEntities,
  countersFromEntities,
  createState,
  DEFAULT_FEED_EVENT_TYPES,
  describeFeedItem,
  editorCameraChoices,
  errorText,
  eventImageUrl,
  formatClock,
  formatConfidence,
  formatRelativeTime,
  normalizePeople,
  normalizeUnknownFaces,
  reduceMessage,
  safeImageUrl,
  stubConfig,
  subscribeRequest,
  thumbnailSrc,
  timeZoneFor,
  toggleCamera,
  toggleFeedEventType,
  validateConfig,
} from "../../custom_components/openeye/frontend/openeye-card-logic.js";

const FRONT = "01JDFRONT";
const GARAGE = "01JDGARAGE";

function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function statistics(overrides = {}) {
  return {
    known_people: 2,
    recognitions_today: 3,
    unknown_faces_today: 1,
    last_recognition: {
      person_id: "p-lin",
      person_name: "Lin-Manuel Miranda",
      camera_id: FRONT,
      camera_name: "Front door",
      confidence: 0.61,
      distance: 0.47,
      timestamp: "2026-11-25T10:15:02.120000+00:00",
      image_url: "/api/image_proxy/image.front_door_latest_face?token=abc",
    },
    watching: { subscriptions: 2, users: 1 },
    cameras: [
      {
        camera_id: FRONT,
        name: "Front door",
        status: "streaming",
        faces_in_view: 1,
        motion: true,
        last_person: "Lin-Manuel Miranda",
      },
      {
        camera_id: GARAGE,
        name: "Garage",
        status: "reconnecting",
        faces_in_view: 0,
        motion: false,
        last_person: null,
      },
    ],
    ...overrides,
  };
}

function recognized({ camera = FRONT, name = "Ada", at = "2026-11-25T10:20:00+00:00", confidence = 0.7 } = {}) {
  return {
    type: "camera_event",
    event_type: "face_recognized",
    camera: { camera_id: camera, name: camera === FRONT ? "Front door" : "Garage" },
    timestamp: at,
    data: {
      person_id: `p-${name}`,
      person_name: name,
      confidence,
      distance: 0.4,
      track_id: 4,
      box: [88, 412, 178, 322],
      image_url: `/api/image_proxy/image.face?token=${name}`,
    },
  };
}

const ALL = validateConfig({ type: "custom:openeye-card" });
const FRONT_ONLY = validateConfig({ type: "custom:openeye-card", camera_ids: [FRONT] });

describe("validateConfig", () => {
  it("fills in every option with its default", () => {
    assert.deepEqual(validateConfig({ type: "custom:openeye-card" }), {
      type: "custom:openeye-card",
      title: undefined,
      camera_ids: [],
      show_counters: true,
      show_last_recognition: true,
      show_cameras: true,
      show_feed: true,
      show_strangers: true,
      show_teach: true,
      feed_size: 20,
      feed_event_types: ["face_recognized", "unknown_face", "alert", "past_named"],
    });
  });

  it("keeps the given options, trims and de-duplicates camera ids, orders event types", () => {
    const config = validateConfig({
      type: "custom:openeye-card",
      title: "Door",
      camera_ids: [` ${FRONT} `, FRONT, GARAGE],
      show_feed: false,
      show_teach: false,
      feed_size: 5,
      feed_event_types: ["alert", "face_detected"],
      grid_options: { columns: 6 },
    });
    assert.equal(config.title, "Door");
    assert.deepEqual(config.camera_ids, [FRONT, GARAGE]);
    assert.equal(config.show_feed, false);
    assert.equal(config.show_teach, false);
    assert.equal(config.show_counters, true);
    assert.equal(config.feed_size, 5);
    assert.deepEqual(config.feed_event_types, ["face_detected", "alert"]);
  });

  for (const [name, config, message] of [
    ["a non-object", "nope", /must be a mapping/],
    ["an array", [], /must be a mapping/],
    ["another card type", { type: "custom:other-card" }, /type must be custom:openeye-card/],
    ["a numeric title", { title: 3 }, /title must be text/],
    ["camera_ids as text", { camera_ids: FRONT }, /camera_ids must be a list/],
    ["an empty camera id", { camera_ids: [""] }, /camera_ids must be a list/],
    ["show_feed as text", { show_feed: "yes" }, /show_feed must be true or false/],
    ["feed_size 0", { feed_size: 0 }, /feed_size must be a whole number from 1 to 100/],
    ["feed_size 101", { feed_size: 101 }, /feed_size/],
    ["feed_size 2.5", { feed_size: 2.5 }, /feed_size/],
    ["an unknown event type", { feed_event_types: ["explosion"] }, /feed_event_types must be a list/],
  ]) {
    it(`rejects ${name}`, () => {
      assert.throws(() => validateConfig(config), message);
    });
  }

  it("accepts the stub configuration that the card picker uses", () => {
    assert.deepEqual(stubConfig(), { type: "custom:openeye-card" });
    assert.equal(validateConfig(stubConfig()).show_feed, true);
  });
});

describe("subscribeRequest", () => {
  it("asks for the three pushes the card shows, and for its cameras only when it has some", () => {
    assert.deepEqual(subscribeRequest(ALL), {
      type: "openeye/subscribe",
      event_types: ["statistics_update", "camera_event", "alert", "past_named"],
    });
    // What every OpenEye knows, for one that refuses past_named.
    assert.deepEqual(subscribeRequest(ALL, { legacy: true }).event_types, ["statistics_update", "camera_event", "alert"]);
    assert.deepEqual(subscribeRequest(FRONT_ONLY).camera_ids, [FRONT]);
    assert.equal(subscribeRequest(ALL).event_types.includes("camera_figures"), false);
  });
});

describe("cardSize", () => {
  it("grows with the parts shown", () => {
    assert.equal(cardSize(ALL), 11);
    assert.equal(
      cardSize(validateConfig({ show_feed: false, show_cameras: false, show_last_recognition: false, show_strangers: false })),
      2,
    );
  });
});

describe("editor toggles", () => {
  it("ticks and unticks cameras in the editor's order, and leaves no list when none is ticked", () => {
    const order = [FRONT, GARAGE];
    const garage = toggleCamera(undefined, GARAGE, true, order);
    assert.deepEqual(garage, [GARAGE]);
    const both = toggleCamera(garage, FRONT, true, order);
    assert.deepEqual(both, [FRONT, GARAGE]);
    assert.deepEqual(toggleCamera(both, GARAGE, false, order), [FRONT]);
    assert.equal(toggleCamera([FRONT], FRONT, false, order), undefined);
    // A chosen camera OpenEye no longer lists can be unticked; the value given is never changed.
    const chosen = deepFreeze(["01JDGONE", FRONT]);
    assert.deepEqual(toggleCamera(chosen, "01JDGONE", false, order), [FRONT]);
    assert.deepEqual(chosen, ["01JDGONE", FRONT]);
  });

  it("toggles feed event types from the defaults, leaving no list when the defaults come back", () => {
    const withDetected = toggleFeedEventType(undefined, "face_detected", true);
    assert.deepEqual(withDetected, ["face_detected", "face_recognized", "unknown_face", "alert", "past_named"]);
    assert.equal(toggleFeedEventType(withDetected, "face_detected", false), undefined);
    const withMotion = toggleFeedEventType(undefined, "motion_detected", true);
    assert.deepEqual(withMotion, ["face_recognized", "unknown_face", "motion_detected", "alert", "past_named"]);
    assert.deepEqual(validateConfig({ feed_event_types: withMotion }).feed_event_types, withMotion);
    assert.deepEqual(toggleFeedEventType(["alert"], "alert", false), []);
    assert.deepEqual(toggleFeedEventType(["alert"], "explosion", true), ["alert"]);
  });
});

describe("editorCameraChoices", () => {
  it("lists OpenEye's cameras, ticks the chosen ones, and keeps chosen ids OpenEye no longer knows", () => {
    const choices = editorCameraChoices(statistics().cameras, [GARAGE, "01JDGONE"]);
    assert.deepEqual(choices, [
      { camera_id: FRONT, name: "Front door", checked: false, known: true },
      { camera_id: GARAGE, name: "Garage", checked: true, known: true },
      { camera_id: "01JDGONE", name: "01JDGONE", checked: true, known: false },
    ]);
  });

  it("skips malformed cameras", () => {
    assert.deepEqual(editorCameraChoices([null, { name: "no id" }, 5], undefined), []);
  });
});

describe("canTeach (admin-only controls)", () => {
  it("is true only for administrators when the card shows teaching", () => {
    assert.equal(canTeach({ user: { is_admin: true } }, ALL), true);
    assert.equal(canTeach({ user: { is_admin: false } }, ALL), false);
    assert.equal(canTeach({ user: {} }, ALL), false);
    assert.equal(canTeach({}, ALL), false);
    assert.equal(canTeach(undefined, ALL), false);
    assert.equal(canTeach({ user: { is_admin: "true" } }, ALL), false);
    assert.equal(canTeach({ user: { is_admin: true } }, validateConfig({ show_teach: false })), false);
    assert.equal(canTeach({ user: { is_admin: true } }, null), false);
  });
});

describe("reduceMessage", () => {
  it("replaces the counters, cameras and last recognition with a statistics_update", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    assert.deepEqual(state.counters, { known_people: 2, recognitions_today: 3, unknown_faces_today: 1 });
    assert.equal(state.hasStatistics, true);
    assert.deepEqual(
      state.cameras.map((c) => [c.camera_id, c.status, c.faces_in_view, c.motion, c.last_person]),
      [
        [FRONT, "streaming", 1, true, "Lin-Manuel Miranda"],
        [GARAGE, "reconnecting", 0, false, null],
      ],
    );
    assert.equal(state.lastRecognition.person_name, "Lin-Manuel Miranda");
    assert.equal(state.lastRecognition.camera_name, "Front door");
    assert.equal(state.lastRecognition.confidence, 0.61);
    assert.equal(state.lastRecognition.timestamp, Date.parse("2026-11-25T10:15:02.120Z"));
    assert.equal(
      state.lastRecognition.image_url,
      `/api/image_proxy/image.front_door_latest_face?token=abc&openeye_ts=${Date.parse("2026-11-25T10:15:02.120Z")}`,
    );

    const next = reduceMessage(
      state,
      {
        type: "statistics_update",
        statistics: statistics({ known_people: 3, recognitions_today: 4, cameras: [statistics().cameras[0]] }),
      },
      ALL,
    );
    assert.deepEqual(next.counters, { known_people: 3, recognitions_today: 4, unknown_faces_today: 1 });
    assert.deepEqual(next.cameras.map((c) => c.camera_id), [FRONT]);
    // The unchanged camera keeps its object, so the card does not redraw it.
    assert.equal(next.cameras[0], state.cameras[0]);
  });

  it("shows an event's own face when the server sends its thumbnail", () => {
    const message = recognized({ name: "Ada" });
    message.data.thumbnail = "/9j/4AAQSkZJRg";
    const state = reduceMessage(createState(), message, ALL);
    assert.equal(state.feed[0].image_url, "data:image/jpeg;base64,/9j/4AAQSkZJRg");
    assert.equal(state.lastRecognition.image_url, "data:image/jpeg;base64,/9j/4AAQSkZJRg");
    // A malformed thumbnail falls back to the camera's latest-face image.
    const fallback = recognized({ name: "Bo" });
    fallback.data.thumbnail = "<script>";
    const next = reduceMessage(createState(), fallback, ALL);
    assert.match(next.feed[0].image_url, /^\/api\/image_proxy\/image\.face\?token=Bo&openeye_ts=\d+$/);
  });

  it("returns the same state when a statistics_update changes nothing", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    assert.equal(reduceMessage(state, { type: "statistics_update", statistics: statistics() }, ALL), state);
  });

  it("keeps a counter whose new value is malformed and never clears the last recognition with null", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    const next = reduceMessage(
      state,
      {
        type: "statistics_update",
        statistics: { known_people: "many", recognitions_today: -1, unknown_faces_today: 7, last_recognition: null },
      },
      ALL,
    );
    assert.deepEqual(next.counters, { known_people: 2, recognitions_today: 3, unknown_faces_today: 7 });
    assert.equal(next.lastRecognition, state.lastRecognition);
    assert.equal(next.cameras, state.cameras);
  });

  it("turns a face_recognized camera_event into a feed entry, the last recognition and the camera's last person", () => {
    const start = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    const state = reduceMessage(start, recognized({ camera: GARAGE, name: "Ada" }), ALL);
    assert.equal(state.feed.length, 1);
    assert.deepEqual(
      { ...state.feed[0] },
      {
        id: 1,
        kind: "face_recognized",
        camera_id: GARAGE,
        camera_name: "Garage",
        timestamp: Date.parse("2026-11-25T10:20:00Z"),
        person_id: "p-Ada",
        person_name: "Ada",
        confidence: 0.7,
        image_url: `/api/image_proxy/image.face?token=Ada&openeye_ts=${Date.parse("2026-11-25T10:20:00Z")}`,
        message: null,
        // This push carries no recognition_id (an older OpenEye): no "not this person" for it.
        recognition_id: null,
        withdrawn: false,
      },
    );
    assert.equal(state.lastRecognition.person_name, "Ada");
    assert.equal(state.lastRecognition.camera_id, GARAGE);
    assert.equal(state.cameras.find((c) => c.camera_id === GARAGE).last_person, "Ada");
    // Counters come only from statistics_update: they are not counted twice.
    assert.equal(state.counters, start.counters);
  });

  it("puts the newest event first, keeps at most feed_size entries and numbers them", () => {
    const config = validateConfig({ feed_size: 3 });
    let state = createState();
    for (let i = 0; i < 5; i += 1) {
      state = reduceMessage(state, recognized({ name: `P${i}`, at: `2026-11-25T10:2${i}:00Z` }), config);
    }
    assert.deepEqual(
      state.feed.map((item) => [item.id, item.person_name]),
      [
        [5, "P4"],
        [4, "P3"],
        [3, "P2"],
      ],
    );
    const big = validateConfig({});
    let many = createState();
    for (let i = 0; i < 1000; i += 1) many = reduceMessage(many, recognized({ name: `P${i}` }), big);
    assert.equal(many.feed.length, 20);
    assert.equal(many.feed[0].person_name, "P999");
  });

  it("does not move the last recognition back in time for an older event, but still lists it", () => {
    let state = reduceMessage(createState(), recognized({ name: "New", at: "2026-11-25T11:00:00Z" }), ALL);
    state = reduceMessage(state, recognized({ name: "Old", at: "2026-11-25T09:00:00Z" }), ALL);
    assert.equal(state.lastRecognition.person_name, "New");
    assert.deepEqual(state.feed.map((i) => i.person_name), ["Old", "New"]);
    // Nor does an older statistics_update.
    const stale = reduceMessage(state, { type: "statistics_update", statistics: statistics() }, ALL);
    assert.equal(stale.lastRecognition.person_name, "New");
  });

  it("lists unknown faces and alerts, but not motion or detected faces unless configured", () => {
    const unknown = {
      type: "camera_event",
      event_type: "unknown_face",
      camera: { camera_id: FRONT, name: "Front door" },
      timestamp: "2026-11-25T10:21:00Z",
      data: { unknown_face_id: "u1", person_name: null, image_url: "/api/image_proxy/image.u1?token=t" },
    };
    const detected = { ...unknown, event_type: "face_detected", data: {} };
    const motion = { ...unknown, event_type: "motion_detected", data: undefined };
    const alert = {
      type: "alert",
      alert_type: "camera_down",
      camera: { camera_id: GARAGE, name: "Garage" },
      timestamp: "2026-11-25T10:22:00Z",
      message: "Garage stopped streaming",
      data: {},
    };
    let state = createState();
    for (const msg of [unknown, detected, motion, alert]) state = reduceMessage(state, msg, ALL);
    assert.deepEqual(state.feed.map((i) => i.kind), ["alert", "unknown_face"]);
    assert.equal(state.lastRecognition, null);
    assert.equal(state.feed[1].image_url, `/api/image_proxy/image.u1?token=t&openeye_ts=${Date.parse("2026-11-25T10:21:00Z")}`);
    assert.equal(state.feed[0].message, "Garage stopped streaming");

    const withDetected = validateConfig({ feed_event_types: ["face_detected"] });
    const only = [unknown, detected, motion, alert].reduce((s, msg) => reduceMessage(s, msg, withDetected), createState());
    assert.deepEqual(only.feed.map((i) => i.kind), ["face_detected"]);
    const withMotion = validateConfig({ feed_event_types: ["motion_detected"] });
    const moving = [unknown, detected, motion, alert].reduce((s, msg) => reduceMessage(s, msg, withMotion), createState());
    assert.deepEqual(moving.feed.map((i) => i.kind), ["motion_detected"]);
  });

  it("reads the cameras of a statistics_update without analysis_rate, and ignores it from an older OpenEye", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    assert.deepEqual(state.cameras.map((c) => c.camera_id), [FRONT, GARAGE]);
    const older = statistics({
      cameras: statistics().cameras.map((camera, i) => ({ ...camera, analysis_rate: [4.9, 0][i] })),
    });
    // The older figure changes nothing: the very same state comes back.
    assert.equal(reduceMessage(state, { type: "statistics_update", statistics: older }, ALL), state);
  });

  it("ignores camera_figures pushes, which the card never asks for", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    const figures = {
      type: "camera_figures",
      camera: { camera_id: FRONT, name: "Front door" },
      timestamp: "2026-11-25T10:21:00Z",
      data: { analysis_rate: 4.9, frames: 120 },
    };
    assert.equal(reduceMessage(state, figures, ALL), state);
  });

  it("applies the card's camera filter to events, cameras and the last recognition", () => {
    const fromGarage = recognized({ camera: GARAGE, name: "Ada" });
    const start = createState();
    assert.equal(reduceMessage(start, fromGarage, FRONT_ONLY), start);
    const alert = {
      type: "alert",
      alert_type: "unknown_face",
      camera: { camera_id: GARAGE, name: "Garage" },
      timestamp: "2026-11-25T10:22:00Z",
    };
    assert.equal(reduceMessage(start, alert, FRONT_ONLY), start);

    const garageLast = statistics({
      last_recognition: { ...statistics().last_recognition, camera_id: GARAGE, camera_name: "Garage" },
    });
    const state = reduceMessage(start, { type: "statistics_update", statistics: garageLast }, FRONT_ONLY);
    assert.deepEqual(state.cameras.map((c) => c.camera_id), [FRONT]);
    assert.equal(state.lastRecognition, null);
    // Counters are OpenEye-wide and are still shown.
    assert.equal(state.counters.known_people, 2);

    const fromFront = reduceMessage(state, recognized({ camera: FRONT, name: "Bo" }), FRONT_ONLY);
    assert.equal(fromFront.feed.length, 1);
    assert.equal(fromFront.lastRecognition.person_name, "Bo");
  });

  it("ignores malformed messages without throwing and returns the very same state", () => {
    const state = reduceMessage(createState(), { type: "statistics_update", statistics: statistics() }, ALL);
    const valid = recognized();
    const cyclic = { type: "camera_event" };
    cyclic.self = cyclic;
    const hostile = {
      type: "statistics_update",
      get statistics() {
        throw new Error("getter");
      },
    };
    const malformed = [
      null,
      undefined,
      42,
      "statistics_update",
      [],
      {},
      { type: 7 },
      { type: "no_such_type" },
      { type: "statistics_update" },
      { type: "statistics_update", statistics: "all of them" },
      { type: "statistics_update", statistics: [] },
      { ...valid, event_type: "explosion" },
      { ...valid, camera: null },
      { ...valid, camera: { name: "no id" } },
      { ...valid, camera: "Front door" },
      { ...valid, timestamp: "yesterday" },
      { ...valid, timestamp: undefined },
      { ...valid, data: "Ada" },
      { ...valid, data: { ...valid.data, person_name: null } },
      { type: "alert" },
      { type: "alert", alert_type: "camera_down", timestamp: 12 },
      { type: "connection_status" },
      cyclic,
      hostile,
    ];
    for (const msg of malformed) {
      assert.equal(reduceMessage(state, msg, ALL), state, `changed the state for ${String(msg?.type ?? msg)}`);
    }
  });

  it("drops unsafe image addresses but keeps the event", () => {
    const msg = recognized();
    msg.data.image_url = "javascript:alert(1)";
    const state = reduceMessage(createState(), msg, ALL);
    assert.equal(state.feed.length, 1);
    assert.equal(state.feed[0].image_url, null);
  });

  it("records the connection id of connection_status", () => {
    const state = reduceMessage(
      createState(),
      { type: "connection_status", status: "connected", connection_id: "c2f0" },
      ALL,
    );
    assert.equal(state.connectionId, "c2f0");
  });
});

describe("strangers in the feed (one entry per visit)", () => {
  const AT = "2026-11-25T10:21:00Z";
  function stranger({ id = "u1", alert = true, at = AT, camera = FRONT } = {}) {
    const data = { unknown_face_id: id, person_name: null, thumbnail: "/9j/AA", image_url: "/api/image_proxy/image.u?token=t" };
    if (alert) data.alert = true;
    return {
      type: "camera_event",
      event_type: "unknown_face",
      camera: { camera_id: camera, name: camera === FRONT ? "Front door" : "Garage" },
      timestamp: at,
      data,
    };
  }
  // What an older OpenEye sent after the camera_event of the same stranger.
  function oldAlert({ id = "u1", at = AT, camera = FRONT } = {}) {
    const data = { person_name: null, thumbnail: "/9j/AA" };
    if (id !== null) data.unknown_face_id = id;
    return {
      type: "alert",
      alert_type: "unknown_face",
      camera: { camera_id: camera, name: camera === FRONT ? "Front door" : "Garage" },
      timestamp: at,
      message: "Unknown face at Front door",
      data,
    };
  }
  const feed = (messages, config = ALL) =>
    messages.reduce((state, msg) => reduceMessage(state, msg, config), createState()).feed;

  it("lists OpenEye's unknown_face push once, as an alert", () => {
    const [entry, ...rest] = feed([stranger()]);
    assert.deepEqual(rest, []);
    assert.equal(entry.kind, "unknown_face");
    assert.equal(entry.alert, true);
    assert.equal(entry.unknown_face_id, "u1");
    assert.equal(entry.image_url, "data:image/jpeg;base64,/9j/AA");
    assert.equal(describeFeedItem(entry, "en"), "Unknown face");
  });

  it("lists an older OpenEye's camera_event and alert for the same stranger as one entry", () => {
    const entries = feed([stranger({ alert: false }), oldAlert()]);
    assert.deepEqual(entries.map((e) => [e.kind, e.unknown_face_id, e.alert]), [["unknown_face", "u1", true]]);
    // In the other order too, and when the alert carries no unknown_face_id.
    assert.equal(feed([oldAlert(), stranger({ alert: false })]).length, 1);
    assert.equal(feed([stranger({ alert: false }), oldAlert({ id: null })]).length, 1);
  });

  it("keeps two strangers apart", () => {
    const entries = feed([stranger({ id: "u1" }), stranger({ id: "u2", at: "2026-11-25T10:22:00Z" }), oldAlert({ id: "u1" })]);
    assert.deepEqual(entries.map((e) => e.unknown_face_id), ["u2", "u1"]);
  });

  it("lists strangers when the card shows unknown faces, or alerts, and not otherwise", () => {
    const alertsOnly = validateConfig({ feed_event_types: ["alert"] });
    assert.equal(feed([stranger()], alertsOnly).length, 1);
    // An older OpenEye marked only its alert push as one.
    assert.deepEqual(feed([stranger({ alert: false }), oldAlert()], alertsOnly).map((e) => e.kind), ["unknown_face"]);
    const unknownOnly = validateConfig({ feed_event_types: ["unknown_face"] });
    assert.equal(feed([stranger({ alert: false }), oldAlert()], unknownOnly).length, 1);
    const recognitionsOnly = validateConfig({ feed_event_types: ["face_recognized"] });
    assert.deepEqual(feed([stranger(), stranger({ alert: false, id: "u2" }), oldAlert({ id: "u2" })], recognitionsOnly), []);
  });

  it("still lists other alerts, such as a camera that went down", () => {
    const down = { ...oldAlert(), alert_type: "camera_down", message: "Front door is unavailable: timeout", data: {} };
    const entries = feed([stranger(), down]);
    assert.deepEqual(entries.map((e) => [e.kind, e.alert]), [["alert", true], ["unknown_face", true]]);
    assert.equal(describeFeedItem(entries[0], "en"), "Alert: camera down: Front door is unavailable: timeout");
  });
});

describe("applyStatistics from a poll", () => {
  it("adds a new last recognition to the feed once, since no camera_event reports it", () => {
    const first = applyStatistics(createState(), statistics(), ALL, { fromPoll: true });
    assert.deepEqual(first.feed.map((i) => [i.kind, i.person_name]), [["face_recognized", "Lin-Manuel Miranda"]]);
    const again = applyStatistics(first, statistics(), ALL, { fromPoll: true });
    assert.equal(again, first);
    const later = applyStatistics(
      first,
      statistics({
        last_recognition: { ...statistics().last_recognition, person_name: "Ada", timestamp: "2026-11-25T10:30:00Z" },
      }),
      ALL,
      { fromPoll: true },
    );
    assert.deepEqual(later.feed.map((i) => i.person_name), ["Ada", "Lin-Manuel Miranda"]);
  });

  it("does not add it when pushed (the camera_event does) or when recognitions are not listed", () => {
    assert.equal(applyStatistics(createState(), statistics(), ALL).feed.length, 0);
    const noRecognitions = validateConfig({ feed_event_types: ["alert"] });
    assert.equal(applyStatistics(createState(), statistics(), noRecognitions, { fromPoll: true }).feed.length, 0);
  });

  it("keeps the recognition's own face when the statistics point at the camera's latest face", () => {
    const at = "2026-11-25T10:15:02.120000+00:00";
    const event = recognized({ name: "Lin-Manuel Miranda", at });
    event.data.person_id = "p-lin";
    event.data.thumbnail = "/9j/4AAQSkZJRg";
    const pushed = reduceMessage(createState(), event, ALL);
    assert.equal(pushed.lastRecognition.image_url, "data:image/jpeg;base64,/9j/4AAQSkZJRg");
    const updated = applyStatistics(pushed, statistics(), ALL);
    assert.equal(updated.lastRecognition.image_url, "data:image/jpeg;base64,/9j/4AAQSkZJRg");
    // A later recognition in the statistics is shown with the image they give.
    const later = applyStatistics(
      updated,
      statistics({ last_recognition: { ...statistics().last_recognition, timestamp: "2026-11-25T10:30:00Z" } }),
      ALL,
    );
    assert.match(later.lastRecognition.image_url, /^\/api\/image_proxy\/image\.front_door_latest_face/);
  });

  it("does not list a recognition twice when the camera_event already did", () => {
    const event = recognized({ name: "Lin-Manuel Miranda", at: "2026-11-25T10:15:02.120000+00:00" });
    const pushed = reduceMessage(createState(), event, ALL);
    const polled = applyStatistics(pushed, statistics(), ALL, { fromPoll: true });
    assert.equal(polled.feed.length, 1);
  });
});

describe("counters from OpenEye's entities (Polling)", () => {
  const hass = {
    entities: {
      "sensor.openeye_known_people": { entity_id: "sensor.openeye_known_people", platform: "openeye", translation_key: "known_people" },
      "sensor.openeye_recognitions_today": {
        entity_id: "sensor.openeye_recognitions_today",
        platform: "openeye",
        translation_key: "recognitions_today",
      },
      "sensor.openeye_unknown": { entity_id: "sensor.openeye_unknown", platform: "openeye", translation_key: "unknown_faces_today" },
      "sensor.other_known_people": { entity_id: "sensor.other_known_people", platform: "other", translation_key: "known_people" },
    },
    states: {
      "sensor.openeye_known_people": { state: "4" },
      "sensor.openeye_recognitions_today": { state: "unavailable" },
      "sensor.openeye_unknown": { state: "2" },
      "sensor.other_known_people": { state: "99" },
    },
  };

  it("reads the numeric states of OpenEye's counter sensors only", () => {
    assert.deepEqual(counterEntities(hass.entities), [
      { entity_id: "sensor.openeye_known_people", key: "known_people" },
      { entity_id: "sensor.openeye_recognitions_today", key: "recognitions_today" },
      { entity_id: "sensor.openeye_unknown", key: "unknown_faces_today" },
    ]);
    assert.deepEqual(countersFromEntities(hass), { known_people: 4, unknown_faces_today: 2 });
    assert.deepEqual(
      countersFromEntities(hass, [{ entity_id: "sensor.openeye_known_people", key: "known_people" }]),
      { known_people: 4 },
    );
    assert.deepEqual(countersFromEntities({}), {});
    assert.deepEqual(countersFromEntities(undefined), {});
  });

  it("applies only the figures that changed since the last look", () => {
    assert.deepEqual(changedCounters({ known_people: 4, unknown_faces_today: 1 }, { known_people: 4, unknown_faces_today: 2 }), {
      unknown_faces_today: 2,
    });
    const state = applyEntityCounters(createState(), { unknown_faces_today: 2 });
    assert.deepEqual(state.counters, { known_people: null, recognitions_today: null, unknown_faces_today: 2 });
    assert.equal(applyEntityCounters(state, { unknown_faces_today: 2 }), state);
    assert.equal(applyEntityCounters(state, {}), state);
  });
});

describe("formatting", () => {
  const now = Date.parse("2026-11-25T10:20:00Z");

  it("gives relative times in the user's language", () => {
    assert.equal(formatRelativeTime(now - 5 * 60000, now, "en"), "5 minutes ago");
    assert.equal(formatRelativeTime(now - 5 * 60000, now, "de"), "vor 5 Minuten");
    assert.equal(formatRelativeTime(now - 3 * 3600000, now, "fr"), "il y a 3 heures");
    assert.equal(formatRelativeTime(now - 2000, now, "en"), "now");
    assert.equal(formatRelativeTime(now - 45000, now, "en"), "45 seconds ago");
    assert.equal(formatRelativeTime(now - 86400000, now, "en"), "yesterday");
    assert.equal(formatRelativeTime(Number.NaN, now, "en"), "");
  });

  it("formats confidence as a percentage and clock times in the chosen time zone", () => {
    assert.equal(formatConfidence(0.61, "en"), "61%");
    assert.equal(formatConfidence(0.61, "de"), "61\u00a0%");
    assert.equal(formatConfidence(null, "en"), "");
    const at = Date.parse("2026-11-25T10:15:02Z");
    assert.equal(formatClock(at, at + 1000, "en-GB", "UTC"), "10:15:02");
    assert.equal(formatClock(at, at + 1000, "en-GB", "Europe/Berlin"), "11:15:02");
    assert.match(formatClock(at, at + 3 * 86400000, "en-GB", "UTC"), /25 Nov.*10:15:02/);
  });

  it("uses the server's time zone only when the profile asks for it", () => {
    assert.equal(timeZoneFor({ locale: { time_zone: "server" }, config: { time_zone: "Europe/Berlin" } }), "Europe/Berlin");
    assert.equal(timeZoneFor({ locale: { time_zone: "local" }, config: { time_zone: "Europe/Berlin" } }), undefined);
  });

  it("describes feed entries in the user's language", () => {
    const state = reduceMessage(createState(), recognized({ name: "Ada", confidence: 0.7 }), ALL);
    assert.equal(describeFeedItem(state.feed[0], "en"), "Ada recognized (70%)");
    assert.equal(describeFeedItem(state.feed[0], "de"), "Ada erkannt (70\u00a0%)");
    assert.equal(describeFeedItem({ kind: "unknown_face" }, "fr"), "Visage inconnu");
    assert.equal(
      describeFeedItem({ kind: "alert", alert_type: "camera_down", message: "Garage is down" }, "en"),
      "Alert: camera down: Garage is down",
    );
    assert.equal(describeFeedItem({ kind: "alert", alert_type: "other", message: null }, "en"), "Alert");
  });
});

describe("image addresses", () => {
  it("accepts Home Assistant paths, http(s) and inline images only", () => {
    assert.equal(safeImageUrl("/api/image_proxy/image.x?token=1"), "/api/image_proxy/image.x?token=1");
    assert.equal(safeImageUrl("https://example.org/a.jpg"), "https://example.org/a.jpg");
    assert.equal(safeImageUrl("data:image/png;base64,iVBORw0KGgo="), "data:image/png;base64,iVBORw0KGgo=");
    for (const bad of ["javascript:alert(1)", "//evil.example/x.jpg", "data:text/html;base64,PGgxPg==", "", 5, null]) {
      assert.equal(safeImageUrl(bad), null, String(bad));
    }
  });

  it("makes each event's picture address unique, since image_url names the camera's latest face", () => {
    assert.equal(eventImageUrl("/api/image_proxy/image.x?token=1", 1700000000000), "/api/image_proxy/image.x?token=1&openeye_ts=1700000000000");
    assert.equal(eventImageUrl("/local/face.jpg", 5), "/local/face.jpg?openeye_ts=5");
    assert.equal(eventImageUrl("data:image/png;base64,iVBO", 5), "data:image/png;base64,iVBO");
    assert.equal(eventImageUrl("javascript:alert(1)", 5), null);
    const a = reduceMessage(createState(), recognized({ name: "A", at: "2026-11-25T10:20:00Z" }), ALL);
    const b = reduceMessage(a, recognized({ name: "A", at: "2026-11-25T10:21:00Z" }), ALL);
    assert.notEqual(b.feed[0].image_url, b.feed[1].image_url);
  });

  it("turns base64 JPEG thumbnails into data addresses", () => {
    assert.equal(thumbnailSrc("/9j/4AAQ"), "data:image/jpeg;base64,/9j/4AAQ");
    assert.equal(thumbnailSrc("<svg onload=x>"), null);
    assert.equal(thumbnailSrc(null), null);
  });
});

describe("teaching requests", () => {
  it("assigns an unknown face to a new person by name, or to an existing person by id", () => {
    assert.deepEqual(buildAssignRequest("u1", { name: "  Ada  " }), {
      type: "openeye/unknown/assign",
      unknown_id: "u1",
      name: "Ada",
    });
    assert.deepEqual(buildAssignRequest("u1", { name: "ignored", personId: "p1" }), {
      type: "openeye/unknown/assign",
      unknown_id: "u1",
      person_id: "p1",
    });
    assert.throws(() => buildAssignRequest("u1", { name: "   " }), { code: "name_required" });
    assert.throws(() => buildAssignRequest("", { name: "Ada" }), { code: "invalid_format" });
  });

  it("renames and deletes people", () => {
    assert.deepEqual(buildRenameRequest("p1", " Bo "), { type: "openeye/people/rename", person_id: "p1", name: "Bo" });
    assert.throws(() => buildRenameRequest("p1", ""), { code: "name_required" });
    assert.deepEqual(buildDeleteRequest("p1"), { type: "openeye/people/delete", person_id: "p1" });
    assert.throws(() => buildDeleteRequest(undefined), { code: "invalid_format" });
  });

  it("reads people/list and unknown/list results, skipping malformed entries", () => {
    const people = normalizePeople(
      {
        people: [
          { person_id: "p2", name: "zoë", encodings: 3, thumbnail: "/9j/AA" },
          { person_id: "p1", name: "Ada", encodings: 1, thumbnail: null },
          { name: "no id" },
          null,
          { person_id: "p1", name: "duplicate" },
        ],
      },
      "en",
    );
    assert.deepEqual(people, [
      { person_id: "p1", name: "Ada", encodings: 1, thumbnail: null },
      { person_id: "p2", name: "zoë", encodings: 3, thumbnail: "data:image/jpeg;base64,/9j/AA" },
    ]);
    const unknown = normalizeUnknownFaces({
      unknown_faces: [
        { unknown_id: "u1", camera_id: FRONT, camera_name: "Front door", timestamp: "2026-11-25T09:00:00Z", thumbnail: "/9j/AA" },
        { unknown_id: "u2", camera_id: GARAGE, camera_name: "Garage", timestamp: "2026-11-25T10:00:00Z", thumbnail: "/9j/BB" },
        { camera_id: FRONT },
      ],
    });
    assert.deepEqual(unknown.map((u) => u.unknown_id), ["u2", "u1"]);
    assert.deepEqual(normalizePeople(null, "en"), []);
    assert.deepEqual(normalizeUnknownFaces({ unknown_faces: "none" }), []);
  });

  it("translates the errors of the calls, falling back to the server's message", () => {
    assert.equal(errorText({ code: "duplicate_name", message: "Name taken" }, "en"), "Somebody already has this name.");
    assert.equal(errorText({ code: "duplicate_name", message: "Name taken" }, "de"), "Dieser Name ist schon vergeben.");
    assert.equal(errorText({ code: "unauthorized" }, "fr"), "Seuls les administrateurs peuvent faire cela.");
    assert.equal(errorText({ code: "weird", message: "Disk full" }, "en"), "Something went wrong: Disk full");
    assert.equal(errorText({ code: "weird" }, "en"), "Something went wrong: weird");
    assert.equal(errorText(3, "en"), "The connection to Home Assistant was lost.");
    assert.equal(errorText(buildErr(), "en"), "Enter a name.");
  });
});

function buildErr() {
  try {
    buildRenameRequest("p1", "");
  } catch (err) {
    return err;
  }
  throw new Error("expected a name_required error");
}

describe("defaults", () => {
  it("leaves detected faces out of the feed by default", () => {
    assert.equal(DEFAULT_FEED_EVENT_TYPES.includes("face_detected"), false);
  });
});
