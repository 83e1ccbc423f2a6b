// The card and its editor as custom elements, in happy-dom (a devDependency:
// run `npm ci` once, then `node --test tests/frontend/`). The connection,
// callWS and animation frames are fakes that the tests drive.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it, mock } from "node:test";

import { Window } from "happy-dom";

import { FakeHaConnection, flush } from "./fakes.mjs";

const window = new Window({ url: "http://localhost:8123/lovelace/0" });
const frames = [];

before(async () => {
  for (const name of ["window", "document", "HTMLElement", "customElements", "Event", "CustomEvent", "Node"]) {
    Object.defineProperty(globalThis, name, {
      value: name === "window" ? window : window[name],
      configurable: true,
      writable: true,
    });
  }
  // Animation frames run only when a test says so, to count them.
  globalThis.requestAnimationFrame = (callback) => frames.push(callback);
  globalThis.cancelAnimationFrame = (id) => {
    frames[id - 1] = null;
  };
  await import("../../custom_components/openeye/frontend/openeye-card.js");
});

after(async () => {
  await window.happyDOM.close();
});

beforeEach(() => {
  frames.length = 0;
  document.body.replaceChildren();
});

/** Runs the animation frames requested so far; returns how many ran. */
function runFrames() {
  const pending = frames.splice(0).filter(Boolean);
  for (const callback of pending) callback(0);
  return pending.length;
}

const FRONT = "01JDFRONT";
const GARAGE = "01JDGARAGE";

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
      timestamp: new Date(Date.now() - 5 * 60000).toISOString(),
      image_url: "/api/image_proxy/image.front_door_latest_face?token=abc",
    },
    watching: { subscriptions: 1, users: 1 },
    cameras: [
      { camera_id: FRONT, name: "Front door", status: "streaming", faces_in_view: 1, motion: true, last_person: "Lin-Manuel Miranda" },
      { camera_id: GARAGE, name: "Garage", status: "failed", faces_in_view: 0, motion: false, last_person: null },
    ],
    ...overrides,
  };
}

/** A fake Home Assistant: a connection that behaves like the frontend's (see fakes.mjs), and callWS. */
function fakeHass({ admin = false, language = "en", subscribe = "resolve", ws = {} } = {}) {
  const connection = new FakeHaConnection();
  if (subscribe === "reject") {
    connection.refusal = { code: "too_many_subscriptions", message: "A user may hold at most 5" };
  }
  const calls = [];
  const hass = {
    connection,
    calls,
    user: { id: "u1", name: "Test", is_admin: admin },
    language,
    locale: { language, time_zone: "local" },
    config: { time_zone: "UTC" },
    states: {},
    entities: {},
    async callWS(message) {
      calls.push(message);
      const answer = ws[message.type];
      if (answer === undefined) throw { code: "unknown_command", message: `Unknown ${message.type}` };
      return typeof answer === "function" ? answer(message) : structuredClone(answer);
    },
  };
  return hass;
}

async function mount(config, hass) {
  const card = document.createElement("openeye-card");
  card.setConfig(config);
  card.hass = hass;
  document.body.append(card);
  await flush();
  runFrames();
  return card;
}

const $ = (card, testid) => card.shadowRoot.querySelector(`[data-testid="${testid}"]`);
const $$ = (card, testid) => [...card.shadowRoot.querySelectorAll(`[data-testid="${testid}"]`)];

function push(hass, message, index = -1) {
  hass.connection.subscriptions.at(index).callback(message);
}

/** Lets the card's timers of 0 ms run (it lets a subscription go a task later). */
async function tick() {
  await new Promise((resolve) => setTimeout(resolve, 5));
  await flush();
}

function recognized(name, camera = FRONT, secondsAgo = 0) {
  return {
    type: "camera_event",
    event_type: "face_recognized",
    camera: { camera_id: camera, name: camera === FRONT ? "Front door" : "Garage" },
    timestamp: new Date(Date.now() - secondsAgo * 1000).toISOString(),
    data: { person_id: `p-${name}`, person_name: name, confidence: 0.8, image_url: `/api/image_proxy/image.f?token=${name}` },
  };
}

describe("registration", () => {
  it("defines the card and offers it in the picker, with Home Assistant's form as its editor", async () => {
    const Card = customElements.get("openeye-card");
    assert.ok(Card);
    const entry = window.customCards.find((card) => card.type === "openeye-card");
    assert.equal(entry.name, "OpenEye");
    assert.equal(entry.preview, true);
    // Home Assistant renders getConfigForm() only when there is no getConfigElement().
    assert.equal(Card.getConfigElement, undefined);
    assert.ok(Array.isArray(Card.getConfigForm().schema));
    assert.deepEqual(Card.getStubConfig(), { type: "custom:openeye-card" });
    const card = document.createElement("openeye-card");
    assert.throws(() => card.setConfig({ type: "custom:openeye-card", feed_size: 0 }), /feed_size/);
    card.setConfig({ type: "custom:openeye-card", show_feed: false });
    assert.equal(card.getCardSize(), 8);
  });
});

describe("the card, Live", () => {
  it("subscribes on the frontend's connection with the card's cameras and shows Live", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card", camera_ids: [FRONT] }, hass);
    assert.equal(hass.connection.subscriptions.length, 1);
    // The pushes the card shows, named so that others (camera_figures) stay away.
    assert.deepEqual(hass.connection.subscriptions[0].message, {
      type: "openeye/subscribe",
      event_types: ["statistics_update", "camera_event", "alert", "past_named"],
      camera_ids: [FRONT],
    });
    // The library's default: it sets the subscription up again after a reconnect.
    assert.equal(hass.connection.subscriptions[0].options, undefined);
    assert.equal($(card, "openeye-status").textContent, "Live");
    assert.equal($(card, "openeye-status").dataset.status, "live");
    assert.equal(card.shadowRoot.firstElementChild.nextElementSibling.localName, "ha-card");
    card.remove();
  });

  it("renders pushed statistics, cameras, the last recognition and the feed, and updates them without reload", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card" }, hass);
    assert.equal($(card, "openeye-counter-known-people").textContent, "—");
    push(hass, { type: "connection_status", status: "connected", connection_id: "c1" });
    push(hass, { type: "statistics_update", statistics: statistics() });
    runFrames();
    assert.equal($(card, "openeye-counter-known-people").textContent, "2");
    assert.equal($(card, "openeye-counter-recognitions-today").textContent, "3");
    assert.equal($(card, "openeye-counter-unknown-faces-today").textContent, "1");
    assert.equal($(card, "openeye-last-recognition-name").textContent, "Lin-Manuel Miranda");
    assert.equal($(card, "openeye-last-recognition-camera").textContent, "at Front door");
    assert.equal($(card, "openeye-last-recognition-time").textContent, "5 minutes ago");
    assert.equal($(card, "openeye-last-recognition-confidence").textContent, "61% confidence");
    assert.match($(card, "openeye-last-recognition-image").getAttribute("src"), /^\/api\/image_proxy\/image\.front_door_latest_face\?token=abc&openeye_ts=\d+$/);
    const cameras = $$(card, "openeye-camera");
    assert.deepEqual(cameras.map((c) => c.dataset.cameraId), [FRONT, GARAGE]);
    assert.equal(cameras[1].querySelector('[data-testid="openeye-camera-status"]').dataset.status, "failed");
    assert.equal(cameras[1].querySelector('[data-testid="openeye-camera-status"]').textContent, "Failed");
    assert.equal(cameras[0].querySelector('[data-testid="openeye-camera-faces"]').textContent, "Faces in view: 1");
    assert.equal(cameras[0].querySelector('[data-testid="openeye-camera-motion"]').dataset.motion, "true");
    assert.equal(cameras[1].querySelector('[data-testid="openeye-camera-last-person"]').textContent, "Nobody seen yet");
    assert.equal($(card, "openeye-feed-empty").hidden, false);

    push(hass, recognized("Ada", GARAGE));
    runFrames();
    const garage = $$(card, "openeye-camera")[1];
    assert.equal(garage.querySelector('[data-testid="openeye-camera-last-person"]').textContent, "Last seen: Ada");
    push(hass, { type: "statistics_update", statistics: statistics({ recognitions_today: 4 }) });
    runFrames();
    assert.equal($(card, "openeye-counter-recognitions-today").textContent, "4");
    assert.equal($(card, "openeye-last-recognition-name").textContent, "Ada");
    assert.equal($(card, "openeye-last-recognition-camera").textContent, "at Garage");
    const items = $$(card, "openeye-feed-item");
    assert.equal(items.length, 1);
    assert.equal(items[0].dataset.eventType, "face_recognized");
    assert.equal(items[0].dataset.cameraId, GARAGE);
    assert.equal(items[0].querySelector('[data-testid="openeye-feed-text"]').textContent, "Ada recognized (80%)");
    assert.equal(items[0].querySelector('[data-testid="openeye-feed-camera"]').textContent, "Garage");
    assert.match(items[0].querySelector('[data-testid="openeye-feed-time"]').textContent, /^\d{2}:\d{2}:\d{2}/);
    assert.match(items[0].querySelector('[data-testid="openeye-feed-image"]').getAttribute("src"), /token=Ada&openeye_ts=/);
    assert.equal($(card, "openeye-feed-empty").hidden, true);
    card.remove();
  });

  it("coalesces a burst of messages into one render and keeps the feed bounded, newest first", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card", feed_size: 20 }, hass);
    for (let i = 0; i < 1000; i += 1) push(hass, recognized(`P${i}`));
    assert.equal(frames.length, 1, "one animation frame for 1000 messages");
    assert.equal(runFrames(), 1);
    const items = $$(card, "openeye-feed-item");
    assert.equal(items.length, 20);
    assert.equal(items[0].querySelector('[data-testid="openeye-feed-text"]').textContent, "P999 recognized (80%)");
    assert.equal(items[19].querySelector('[data-testid="openeye-feed-text"]').textContent, "P980 recognized (80%)");
    // Existing entries are kept as they are when new ones arrive.
    const keep = items[0];
    push(hass, recognized("Newest"));
    runFrames();
    const after = $$(card, "openeye-feed-item");
    assert.equal(after.length, 20);
    assert.equal(after[1], keep);
    assert.equal(after[0].querySelector('[data-testid="openeye-feed-text"]').textContent, "Newest recognized (80%)");
    card.remove();
  });

  it("lists a stranger once, as an alert, whether OpenEye sends one push or an older OpenEye two", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card" }, hass);
    const at = new Date().toISOString();
    const unknown = (id, alert) => ({
      type: "camera_event",
      event_type: "unknown_face",
      camera: { camera_id: FRONT, name: "Front door" },
      timestamp: at,
      data: { unknown_face_id: id, person_name: null, thumbnail: "/9j/AA", ...(alert ? { alert: true } : {}) },
    });
    push(hass, unknown("u-new", true));
    runFrames();
    let items = $$(card, "openeye-feed-item");
    assert.deepEqual(items.map((i) => [i.dataset.eventType, i.dataset.alert]), [["unknown_face", "true"]]);

    // An older OpenEye: the camera_event first, then an alert for the same face.
    push(hass, unknown("u-old", false));
    runFrames();
    items = $$(card, "openeye-feed-item");
    assert.equal(items[0].dataset.alert, undefined);
    push(hass, {
      type: "alert",
      alert_type: "unknown_face",
      camera: { camera_id: FRONT, name: "Front door" },
      timestamp: at,
      message: "Unknown face at Front door",
      data: { unknown_face_id: "u-old", thumbnail: "/9j/AA" },
    });
    runFrames();
    items = $$(card, "openeye-feed-item");
    assert.equal(items.length, 2);
    assert.deepEqual(items.map((i) => [i.dataset.eventType, i.dataset.alert]), [["unknown_face", "true"], ["unknown_face", "true"]]);
    assert.deepEqual(items.map((i) => i.querySelector('[data-testid="openeye-feed-text"]').textContent), ["Unknown face", "Unknown face"]);
    card.remove();
  });

  it("shows names and camera names with markup in them as text, never as markup", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card" }, hass);
    const markup = '<img src=x onerror="window.owned=1"><b>Bob</b>';
    push(hass, recognized(markup));
    push(hass, { type: "statistics_update", statistics: statistics({ last_recognition: { ...statistics().last_recognition, person_name: markup } }) });
    runFrames();
    const [item] = $$(card, "openeye-feed-item");
    assert.equal(item.querySelector('[data-testid="openeye-feed-text"]').textContent, `${markup} recognized (80%)`);
    assert.equal($(card, "openeye-last-recognition-name").textContent, markup);
    assert.equal(card.shadowRoot.querySelectorAll("b").length, 0);
    assert.equal([...card.shadowRoot.querySelectorAll("img")].filter((img) => img.getAttribute("src") === "x").length, 0);
    assert.equal(window.owned, undefined);
    card.remove();
  });

  it("ignores malformed messages without breaking the card", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card" }, hass);
    for (const msg of [null, 5, "x", { type: "statistics_update", statistics: 7 }, { type: "camera_event", camera: 1 }]) {
      assert.doesNotThrow(() => push(hass, msg));
    }
    push(hass, { type: "statistics_update", statistics: statistics({ known_people: 9 }) });
    runFrames();
    assert.equal($(card, "openeye-counter-known-people").textContent, "9");
    assert.equal($$(card, "openeye-feed-item").length, 0);
    card.remove();
  });

  it("goes Connecting when the connection drops, Live again when the library has resubscribed, and lets go when removed", async () => {
    const hass = fakeHass();
    const card = await mount({ type: "custom:openeye-card" }, hass);
    hass.connection.drop();
    runFrames();
    assert.equal($(card, "openeye-status").textContent, "Connecting");
    assert.equal($(card, "openeye-status").dataset.status, "connecting");
    hass.connection.reconnect();
    await flush();
    runFrames();
    assert.equal($(card, "openeye-status").textContent, "Live");
    // The library sent the request again; the card did not subscribe twice.
    assert.equal(hass.connection.subscriptions.length, 2);
    assert.equal(hass.connection.held, 1);
    hass.connection.push({ type: "statistics_update", statistics: statistics({ known_people: 7 }) });
    runFrames();
    assert.equal($(card, "openeye-counter-known-people").textContent, "7");
    card.remove();
    await tick();
    assert.equal(hass.connection.held, 0);
    assert.equal(hass.connection.staleUnsubscribes, 0);
    assert.equal(hass.connection.listenerCount(), 0);
  });

  it("speaks the user's language", async () => {
    const hass = fakeHass({ language: "de" });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    assert.equal($(card, "openeye-status").textContent, "Live");
    assert.match($(card, "openeye-counters").textContent, /Bekannte Personen/);
    hass.connection.drop();
    runFrames();
    assert.equal($(card, "openeye-status").textContent, "Verbinde");
    card.remove();
  });
});

describe("the card, Polling", () => {
  it("reads openeye/statistics when the subscription is refused and shows Polling with the reason", async () => {
    const hass = fakeHass({ subscribe: "reject", ws: { "openeye/statistics": statistics() } });
    const card = await mount({ type: "custom:openeye-card", camera_ids: [GARAGE] }, hass);
    await flush();
    runFrames();
    assert.equal($(card, "openeye-status").textContent, "Polling");
    assert.equal($(card, "openeye-status").dataset.status, "polling");
    assert.match($(card, "openeye-status-hint").textContent, /Too many live OpenEye views/);
    // The strangers are read once, whatever the subscription does.
    assert.deepEqual(hass.calls.map((c) => c.type), ["openeye/strangers/list", "openeye/statistics"]);
    assert.equal($(card, "openeye-counter-known-people").textContent, "2");
    // The camera filter applies to polled statistics too.
    assert.deepEqual($$(card, "openeye-camera").map((c) => c.dataset.cameraId), [GARAGE]);
    card.remove();
  });

  it("keeps the counters current from OpenEye's sensors between polls", async () => {
    const hass = fakeHass({ subscribe: "reject", ws: { "openeye/statistics": statistics() } });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    assert.equal($(card, "openeye-counter-unknown-faces-today").textContent, "1");
    card.hass = {
      ...hass,
      entities: { "sensor.openeye_unknown_faces_today": { entity_id: "sensor.openeye_unknown_faces_today", platform: "openeye", translation_key: "unknown_faces_today" } },
      states: { "sensor.openeye_unknown_faces_today": { state: "6" } },
    };
    runFrames();
    assert.equal($(card, "openeye-counter-unknown-faces-today").textContent, "6");
    card.remove();
  });

  it("shows a translated error when OpenEye is not loaded", async () => {
    const hass = fakeHass({ subscribe: "reject", language: "fr" });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    assert.equal($(card, "openeye-status").dataset.status, "polling");
    assert.equal($(card, "openeye-error").hidden, false);
    assert.equal($(card, "openeye-error").textContent, "OpenEye n’est pas chargé dans Home Assistant.");
    card.remove();
  });
});

describe("teaching (administrators only)", () => {
  const people = {
    people: [
      { person_id: "p1", name: "Ada", person_entity_id: null, encodings: 2, created: "2026-01-01T00:00:00Z", last_seen: null, thumbnail: "/9j/AA" },
    ],
  };
  const unknown = {
    unknown_faces: [
      { unknown_id: "u1", camera_id: FRONT, camera_name: "Front door", timestamp: new Date().toISOString(), thumbnail: "/9j/BB" },
    ],
  };

  it("is absent for other users, with no admin call made", async () => {
    const hass = fakeHass({ admin: false, ws: { "openeye/people/list": people, "openeye/unknown/list": unknown } });
    const card = await mount({ type: "custom:openeye-card", show_strangers: false }, hass);
    await flush();
    runFrames();
    assert.equal($(card, "openeye-teach"), null);
    assert.equal(card.shadowRoot.querySelector("input, select, button") === null, true);
    assert.deepEqual(hass.calls, []);
    card.remove();
  });

  it("lists unknown faces and people and assigns a face to a new person by name", async () => {
    const ws = {
      "openeye/people/list": people,
      "openeye/unknown/list": unknown,
      "openeye/unknown/assign": (msg) => ({ person_id: "p2", name: msg.name, created: true }),
    };
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    const item = $(card, "openeye-unknown-item");
    assert.equal(item.dataset.unknownId, "u1");
    assert.equal(item.querySelector('[data-testid="openeye-unknown-image"]').getAttribute("src"), "data:image/jpeg;base64,/9j/BB");
    assert.equal(item.querySelector('[data-testid="openeye-unknown-meta"]').textContent, "Front door, now");
    const select = item.querySelector('[data-testid="openeye-unknown-person"]');
    assert.deepEqual([...select.options].map((o) => o.value), ["", "p1"]);
    assert.equal($(card, "openeye-person-name").textContent, "Ada");

    // An empty name is refused inline, before any call.
    item.querySelector('[data-testid="openeye-unknown-assign"]').click();
    await flush();
    assert.equal(item.querySelector('[data-testid="openeye-unknown-error"]').textContent, "Enter a name.");
    assert.equal(hass.calls.filter((c) => c.type === "openeye/unknown/assign").length, 0);

    item.querySelector('[data-testid="openeye-unknown-name"]').value = " Grace ";
    item.querySelector('[data-testid="openeye-unknown-assign"]').click();
    await flush();
    assert.deepEqual(
      hass.calls.find((c) => c.type === "openeye/unknown/assign"),
      { type: "openeye/unknown/assign", unknown_id: "u1", name: "Grace" },
    );
    card.remove();
  });

  it("adds a face to an existing person chosen in the list", async () => {
    const ws = {
      "openeye/people/list": people,
      "openeye/unknown/list": unknown,
      "openeye/unknown/assign": { person_id: "p1", name: "Ada", created: false },
    };
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    const item = $(card, "openeye-unknown-item");
    const select = item.querySelector('[data-testid="openeye-unknown-person"]');
    select.value = "p1";
    select.dispatchEvent(new Event("change"));
    assert.equal(item.querySelector('[data-testid="openeye-unknown-name"]').disabled, true);
    item.querySelector('[data-testid="openeye-unknown-assign"]').click();
    await flush();
    assert.deepEqual(
      hass.calls.find((c) => c.type === "openeye/unknown/assign"),
      { type: "openeye/unknown/assign", unknown_id: "u1", person_id: "p1" },
    );
    card.remove();
  });

  it("shows the server's error inline, translated, when a rename is refused", async () => {
    const ws = {
      "openeye/people/list": people,
      "openeye/unknown/list": { unknown_faces: [] },
      "openeye/people/rename": () => {
        throw { code: "duplicate_name", message: "Someone is already called Bo" };
      },
    };
    const hass = fakeHass({ admin: true, language: "de", ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    assert.equal($(card, "openeye-unknown-empty").hidden, false);
    const person = $(card, "openeye-person");
    person.querySelector('[data-testid="openeye-person-rename"]').click();
    const input = person.querySelector('[data-testid="openeye-person-rename-input"]');
    assert.equal(input.value, "Ada");
    input.value = "Bo";
    person.querySelector('[data-testid="openeye-person-rename-save"]').click();
    await flush();
    assert.deepEqual(hass.calls.at(-1), { type: "openeye/people/rename", person_id: "p1", name: "Bo" });
    const error = person.querySelector('[data-testid="openeye-person-error"]');
    assert.equal(error.hidden, false);
    assert.equal(error.textContent, "Dieser Name ist schon vergeben.");
    card.remove();
  });

  it("removes a person only after confirmation", async () => {
    const ws = {
      "openeye/people/list": people,
      "openeye/unknown/list": { unknown_faces: [] },
      "openeye/people/delete": (msg) => ({ person_id: msg.person_id }),
    };
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    const person = $(card, "openeye-person");
    person.querySelector('[data-testid="openeye-person-delete"]').click();
    assert.equal(person.querySelector('[data-testid="openeye-person-delete-question"]').textContent, "Remove Ada? This cannot be undone.");
    person.querySelector('[data-testid="openeye-person-delete-cancel"]').click();
    assert.equal(hass.calls.filter((c) => c.type === "openeye/people/delete").length, 0);
    person.querySelector('[data-testid="openeye-person-delete"]').click();
    person.querySelector('[data-testid="openeye-person-delete-confirm"]').click();
    await flush();
    assert.deepEqual(hass.calls.filter((c) => c.type === "openeye/people/delete"), [
      { type: "openeye/people/delete", person_id: "p1" },
    ]);
    card.remove();
  });
});

describe("the editor (Home Assistant's form)", () => {
  const form = () => customElements.get("openeye-card").getConfigForm();
  // The selectors Home Assistant's ha-selector knows itself; any other type is
  // rendered as the element ha-selector-<type>, which the card must define.
  const BUILT_IN = new Set(["text", "boolean", "number"]);

  it("describes every option with a selector Home Assistant renders", () => {
    const { schema } = form();
    assert.deepEqual(schema.map((item) => item.name), [
      "title",
      "camera_ids",
      "show_counters",
      "show_last_recognition",
      "show_cameras",
      "show_feed",
      "show_strangers",
      "show_teach",
      "feed_size",
      "feed_event_types",
    ]);
    for (const item of schema) {
      const [type] = Object.keys(item.selector);
      if (!BUILT_IN.has(type)) assert.ok(customElements.get(`ha-selector-${type}`), `ha-selector-${type} is defined`);
    }
    // An absent switch shows its default: every part is shown.
    assert.deepEqual(schema.filter((item) => item.name.startsWith("show_")).map((item) => item.default), [true, true, true, true, true, true]);
    assert.deepEqual(schema.find((item) => item.name === "feed_size").selector.number, { min: 1, max: 100, step: 1, mode: "box" });
    assert.equal(schema.find((item) => item.name === "feed_size").default, 20);
  });

  it("labels the options in the page's language and keeps Home Assistant's editor from taking an invalid configuration", () => {
    const { schema, computeLabel, computeHelper, assertConfig } = form();
    const byName = (name) => schema.find((item) => item.name === name);
    document.documentElement.lang = "de";
    try {
      assert.equal(computeLabel(byName("show_feed")), "Live-Ereignisse");
      assert.equal(computeLabel(byName("camera_ids")), "Kameras");
      assert.equal(computeHelper(byName("camera_ids")), "Ist keine angehakt, zeigt die Karte alle Kameras.");
    } finally {
      document.documentElement.lang = "en";
    }
    assert.equal(computeLabel(byName("feed_size")), "Events in the feed");
    assert.equal(computeHelper(byName("feed_size")), "20 when left empty.");
    assert.equal(computeHelper(byName("show_feed")), undefined);
    assert.doesNotThrow(() => assertConfig({ type: "custom:openeye-card", grid_options: { columns: 6 } }));
    assert.throws(() => assertConfig({ type: "custom:openeye-card", feed_size: 0 }), /feed_size/);
  });

  /** A selector element as Home Assistant's ha-selector makes it: properties set, then attached. */
  async function selector(type, { hass, value, label = "Label", helper } = {}) {
    const element = document.createElement(`ha-selector-${type}`);
    Object.assign(element, { hass, value, label, helper, disabled: false });
    document.body.append(element);
    const changes = [];
    element.addEventListener("value-changed", (event) => {
      assert.equal(event.bubbles && event.composed, true, "the event reaches ha-form through the shadow root");
      changes.push(event.detail.value);
      // Home Assistant answers every change with the new value.
      element.value = event.detail.value;
    });
    await flush();
    return { element, changes, boxes: () => [...element.shadowRoot.querySelectorAll('input[type="checkbox"]')] };
  }

  it("lists OpenEye's cameras to choose from, and a chosen camera OpenEye no longer knows", async () => {
    const hass = fakeHass({ ws: { "openeye/statistics": statistics() } });
    const { element, changes, boxes } = await selector("openeye_cameras", { hass, value: ["01JDGONE"], helper: "Hint" });
    assert.deepEqual(boxes().map((b) => [b.dataset.cameraId, b.checked]), [[FRONT, false], [GARAGE, false], ["01JDGONE", true]]);
    assert.deepEqual(hass.calls.map((c) => c.type), ["openeye/statistics"]);
    boxes()[1].click();
    boxes()[0].click();
    boxes()[2].click();
    // In the order the editor lists the cameras.
    assert.deepEqual(changes, [[GARAGE, "01JDGONE"], [FRONT, GARAGE, "01JDGONE"], [FRONT, GARAGE]]);
    // The one gone from OpenEye is gone from the list once unticked.
    assert.deepEqual(boxes().map((b) => b.dataset.cameraId), [FRONT, GARAGE]);
    boxes()[0].click();
    boxes()[1].click();
    assert.equal(changes.at(-1), undefined, "no camera ticked: no option, which means every camera");
    assert.equal(element.shadowRoot.querySelector(".hint").textContent, "Hint");
    element.remove();
  });

  it("says when OpenEye's cameras cannot be listed", async () => {
    const hass = fakeHass({ language: "fr" });
    const { element } = await selector("openeye_cameras", { hass });
    const status = element.shadowRoot.querySelector('[data-testid="openeye-editor-cameras-status"]');
    assert.equal(status.className, "status error");
    assert.match(status.textContent, /OpenEye n’est pas chargé/);
    element.remove();
  });

  it("ticks the default feed event types when the option is absent and drops the option when they come back", async () => {
    const hass = fakeHass();
    const { element, changes, boxes } = await selector("openeye_feed_event_types", { hass });
    const ticked = () => boxes().filter((b) => b.checked).map((b) => b.dataset.testid);
    assert.deepEqual(ticked(), [
      "openeye-editor-event-face-recognized",
      "openeye-editor-event-unknown-face",
      "openeye-editor-event-alert",
      "openeye-editor-event-past-named",
    ]);
    const detected = element.shadowRoot.querySelector('[data-testid="openeye-editor-event-face-detected"]');
    detected.click();
    assert.deepEqual(changes, [["face_detected", "face_recognized", "unknown_face", "alert", "past_named"]]);
    // The same box is kept (and with it the keyboard focus) when the value comes back.
    assert.equal(element.shadowRoot.querySelector('[data-testid="openeye-editor-event-face-detected"]'), detected);
    detected.click();
    assert.deepEqual(changes, [["face_detected", "face_recognized", "unknown_face", "alert", "past_named"], undefined]);
    assert.equal(element.shadowRoot.querySelector(".label").textContent, "Label");
    element.remove();
  });
});

describe("strangers, corrections and teaching from a photo (issue 12)", () => {
  const people = {
    people: [{ person_id: "p1", name: "Ada", person_entity_id: null, encodings: 2, created: "2026-01-01T00:00:00Z", last_seen: null, thumbnail: "/9j/AA" }],
  };
  const strangers = () => ({
    strangers: [
      {
        stranger_id: "s3",
        label: "Unknown 3",
        first_seen: new Date(Date.now() - 3 * 86400000).toISOString(),
        last_seen: new Date(Date.now() - 5 * 60000).toISOString(),
        visits: 3,
        cameras: [{ camera_id: FRONT, camera_name: "Front door" }, { camera_id: GARAGE, camera_name: "Garage" }],
        face_ids: ["u1", "u2", "u3"],
        thumbnail: "/9j/CC",
      },
    ],
  });
  const recognition = (recognitionId = "r1", name = "Ada") => ({
    type: "camera_event",
    event_type: "face_recognized",
    camera: { camera_id: FRONT, name: "Front door" },
    timestamp: new Date().toISOString(),
    data: { person_id: "p1", person_name: name, confidence: 0.7, recognition_id: recognitionId },
  });
  const unknownFace = () => ({
    type: "camera_event",
    event_type: "unknown_face",
    camera: { camera_id: FRONT, name: "Front door" },
    timestamp: new Date().toISOString(),
    data: { unknown_face_id: "u9", alert: true, stranger_id: "s3", stranger_label: "Unknown 3", stranger_visits: 4, stranger_cameras: ["Front door"] },
  });
  const inside = (node, testid) => node.querySelector(`[data-testid="${testid}"]`);
  const typesCalled = (hass, type) => hass.calls.filter((c) => c.type === type);

  it("shows every user the strangers, with label, visits, cameras, last seen and thumbnail, and only admins their controls", async () => {
    const hass = fakeHass({ admin: false, ws: { "openeye/strangers/list": strangers() } });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    const item = $(card, "openeye-stranger");
    assert.equal(item.dataset.strangerId, "s3");
    assert.equal(inside(item, "openeye-stranger-label").textContent, "Unknown 3");
    assert.equal(inside(item, "openeye-stranger-meta").textContent, "3 visits · Front door, Garage · last seen 5 minutes ago");
    assert.equal(inside(item, "openeye-stranger-image").getAttribute("src"), "data:image/jpeg;base64,/9j/CC");
    // Only the refresh button: nothing that names, deletes or corrects.
    assert.deepEqual($$(card, "openeye-strangers-refresh").length, 1);
    assert.equal(card.shadowRoot.querySelector("input, select"), null);
    assert.deepEqual(card.shadowRoot.querySelectorAll("button").length, 1);
    assert.deepEqual(hass.calls.map((c) => c.type), ["openeye/strangers/list"]);
    // A recognition in the feed has no "not this person" either.
    push(hass, recognition());
    runFrames();
    assert.equal($(card, "openeye-feed-not-this-person"), null);
    assert.equal($(card, "openeye-teach"), null);
    card.remove();
  });

  it("reads the strangers again when an unknown face is pushed", async () => {
    const hass = fakeHass({ admin: false, ws: { "openeye/strangers/list": strangers() } });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    assert.equal(typesCalled(hass, "openeye/strangers/list").length, 1);
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      push(hass, unknownFace());
      push(hass, unknownFace());
      mock.timers.tick(1999);
      assert.equal(typesCalled(hass, "openeye/strangers/list").length, 1);
      mock.timers.tick(1);
    } finally {
      mock.timers.reset();
    }
    await flush();
    // A burst of pushes is one reload.
    assert.equal(typesCalled(hass, "openeye/strangers/list").length, 2);
    card.remove();
  });

  it("lets an admin name a stranger, keeps the typed name on a refusal, and removes the stranger once named", async () => {
    let refuse = true;
    const ws = {
      "openeye/strangers/list": strangers(),
      "openeye/people/list": people,
      "openeye/unknown/list": { unknown_faces: [] },
      "openeye/strangers/assign": (msg) => {
        if (refuse) throw { code: "name_too_long", message: "A name has at most 100 characters." };
        return { person_id: "p2", name: msg.name, faces_taught: 3, past_named: { sightings: 2, cameras: ["Front door"] } };
      },
    };
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    runFrames();
    const item = $(card, "openeye-stranger");
    assert.deepEqual([...inside(item, "openeye-stranger-person").options].map((o) => o.value), ["", "p1"]);
    const name = inside(item, "openeye-stranger-name");
    name.value = "Grace";
    inside(item, "openeye-stranger-assign").click();
    await flush();
    assert.deepEqual(typesCalled(hass, "openeye/strangers/assign"), [{ type: "openeye/strangers/assign", stranger_id: "s3", name: "Grace" }]);
    const error = inside(item, "openeye-stranger-error");
    assert.equal(error.hidden, false);
    assert.equal(error.textContent, "A name has at most 100 characters.");
    assert.equal(name.value, "Grace");
    assert.equal(name.disabled, false);

    refuse = false;
    ws["openeye/strangers/list"] = { strangers: [] };
    inside(item, "openeye-stranger-assign").click();
    await flush();
    runFrames();
    assert.equal($(card, "openeye-stranger"), null);
    assert.equal($(card, "openeye-strangers-notice").textContent, "Unknown 3 is now Grace");
    card.remove();
  });

  it("gives a stranger to an existing person, and deletes one only after confirmation", async () => {
    const ws = {
      "openeye/strangers/list": strangers(),
      "openeye/people/list": people,
      "openeye/strangers/assign": { person_id: "p1", name: "Ada", faces_taught: 2, past_named: { sightings: 0, cameras: [] } },
      "openeye/strangers/delete": (msg) => ({ stranger_id: msg.stranger_id }),
    };
    // Without the teaching part the people are still read for the choice.
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card", show_teach: false }, hass);
    await flush();
    runFrames();
    const item = $(card, "openeye-stranger");
    const select = inside(item, "openeye-stranger-person");
    select.value = "p1";
    select.dispatchEvent(new Event("change"));
    assert.equal(inside(item, "openeye-stranger-name").disabled, true);
    inside(item, "openeye-stranger-delete").click();
    assert.equal(inside(item, "openeye-stranger-delete-question").textContent, "Delete Unknown 3 and the faces kept of them?");
    inside(item, "openeye-stranger-delete-cancel").click();
    assert.equal(typesCalled(hass, "openeye/strangers/delete").length, 0);
    inside(item, "openeye-stranger-assign").click();
    await flush();
    assert.deepEqual(typesCalled(hass, "openeye/strangers/assign"), [{ type: "openeye/strangers/assign", stranger_id: "s3", person_id: "p1" }]);

    runFrames();
    const again = $(card, "openeye-stranger");
    inside(again, "openeye-stranger-delete").click();
    inside(again, "openeye-stranger-delete-confirm").click();
    await flush();
    assert.deepEqual(typesCalled(hass, "openeye/strangers/delete"), [{ type: "openeye/strangers/delete", stranger_id: "s3" }]);
    card.remove();
  });

  it("asks before 'not this person', sends the recognition's id, and marks the entry withdrawn", async () => {
    let refuse = true;
    const ws = {
      "openeye/strangers/list": { strangers: [] },
      "openeye/people/list": people,
      "openeye/unknown/list": { unknown_faces: [] },
      "openeye/recognitions/correct": (msg) => {
        if (refuse) throw { code: "unknown_recognition", message: "No recognition abc is kept." };
        return { recognition_id: msg.recognition_id, person_id: "p1", unknown_id: "u5", stranger_id: "s4" };
      },
    };
    const hass = fakeHass({ admin: true, ws });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    push(hass, recognition("r1"));
    const old = recognition("r0");
    delete old.data.recognition_id;
    push(hass, old);
    runFrames();
    const [newest, first] = $$(card, "openeye-feed-item");
    // An older OpenEye's recognition has no id, and so no control.
    assert.equal(inside(newest, "openeye-feed-not-this-person"), null);
    assert.equal(first.dataset.recognitionId, "r1");
    inside(first, "openeye-feed-not-this-person").click();
    assert.equal(inside(first, "openeye-feed-not-this-person-question").textContent, "Was this not Ada? OpenEye will not name this face Ada again.");
    inside(first, "openeye-feed-not-this-person-cancel").click();
    assert.equal(typesCalled(hass, "openeye/recognitions/correct").length, 0);

    inside(first, "openeye-feed-not-this-person").click();
    inside(first, "openeye-feed-not-this-person-confirm").click();
    await flush();
    assert.deepEqual(typesCalled(hass, "openeye/recognitions/correct"), [{ type: "openeye/recognitions/correct", recognition_id: "r1" }]);
    assert.equal(inside(first, "openeye-feed-correct-error").textContent, "This recognition is no longer kept or was already corrected.");
    assert.equal(first.dataset.withdrawn, undefined);

    refuse = false;
    inside(first, "openeye-feed-not-this-person-confirm").click();
    await flush();
    runFrames();
    assert.equal(first.dataset.withdrawn, "true");
    assert.equal(inside(first, "openeye-feed-withdrawn").hidden, false);
    assert.equal(inside(first, "openeye-feed-not-this-person").closest("[hidden]") !== null, true);
    card.remove();
  });

  it("marks a recognition withdrawn when the push says so, and lists past sightings named", async () => {
    const hass = fakeHass({ admin: false, ws: { "openeye/strangers/list": { strangers: [] } } });
    const card = await mount({ type: "custom:openeye-card" }, hass);
    await flush();
    push(hass, recognition("r7", "Bo"));
    runFrames();
    const entry = $(card, "openeye-feed-item");
    assert.equal(inside(entry, "openeye-feed-withdrawn").hidden, true);
    push(hass, {
      type: "camera_event",
      event_type: "recognition_withdrawn",
      camera: { camera_id: FRONT, name: "Front door" },
      timestamp: new Date().toISOString(),
      data: { recognition_id: "r7", person_id: "p1", person_name: "Bo", camera_id: FRONT, camera_name: "Front door" },
    });
    runFrames();
    assert.equal(entry.dataset.withdrawn, "true");
    assert.equal(inside(entry, "openeye-feed-withdrawn").textContent, "Withdrawn");

    push(hass, { type: "past_named", data: { person_id: "p9", person_name: "Alice", sightings: 3, cameras: ["Door", "Yard"], last_seen: null } });
    runFrames();
    const named = $(card, "openeye-feed-item");
    assert.equal(named.dataset.eventType, "past_named");
    assert.equal(inside(named, "openeye-feed-text").textContent, "Alice: 3 earlier sightings named (Door, Yard)");
    card.remove();
  });

  it("subscribes again without past_named when OpenEye does not know that push", async () => {
    const hass = fakeHass();
    hass.connection.answer = "manual";
    const card = await mount({ type: "custom:openeye-card" }, hass);
    hass.connection.answerNext({ code: "invalid_format", message: "value must be one of ..." });
    await flush();
    hass.connection.answerNext(null);
    await flush();
    runFrames();
    assert.deepEqual(hass.connection.subscriptions.map((s) => s.message.event_types.length), [4, 3]);
    assert.equal($(card, "openeye-status").dataset.status, "live");
    card.remove();
  });

  describe("teaching from a photo", () => {
    const ws = (enroll) => ({
      "openeye/strangers/list": { strangers: [] },
      "openeye/people/list": people,
      "openeye/unknown/list": { unknown_faces: [] },
      "openeye/people/enroll": enroll,
    });
    const choose = (input, file) => Object.defineProperty(input, "files", { value: file ? [file] : [], configurable: true });

    it("sends a chosen photo as base64 for a new person, shows the server's refusal and keeps what was typed", async () => {
      let refuse = true;
      const hass = fakeHass({
        admin: true,
        ws: ws((msg) => {
          if (refuse) throw { code: "several_faces", message: "Found 2 faces." };
          return { person_id: "p2", name: msg.name, created: true };
        }),
      });
      const card = await mount({ type: "custom:openeye-card" }, hass);
      await flush();
      runFrames();
      const form = $(card, "openeye-photo-form");
      const name = inside(form, "openeye-photo-name");
      const file = inside(form, "openeye-photo-file");
      // Nothing chosen: refused by the card, nothing sent.
      name.value = "Grace";
      inside(form, "openeye-photo-submit").click();
      await flush();
      assert.equal($(card, "openeye-photo-error").textContent, "Choose a photo or a camera.");
      assert.equal(typesCalled(hass, "openeye/people/enroll").length, 0);

      choose(file, new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], "grace.jpg", { type: "image/jpeg" }));
      inside(form, "openeye-photo-submit").click();
      await flush();
      assert.deepEqual(typesCalled(hass, "openeye/people/enroll"), [{ type: "openeye/people/enroll", name: "Grace", image: "/9j/4A==" }]);
      assert.equal($(card, "openeye-photo-error").hidden, false);
      assert.equal($(card, "openeye-photo-error").textContent, "Several faces were found; use a picture with one face.");
      assert.equal(name.value, "Grace");
      assert.equal(file.files.length, 1);

      refuse = false;
      inside(form, "openeye-photo-submit").click();
      await flush();
      assert.equal($(card, "openeye-photo-error").hidden, true);
      assert.equal($(card, "openeye-photo-notice").textContent, "Grace was taught from the picture");
      assert.equal(name.value, "");
      card.remove();
    });

    it("refuses a photo too large before reading or sending it", async () => {
      const hass = fakeHass({ admin: true, language: "fr", ws: ws({}) });
      const card = await mount({ type: "custom:openeye-card" }, hass);
      await flush();
      runFrames();
      const form = $(card, "openeye-photo-form");
      inside(form, "openeye-photo-name").value = "Grace";
      let read = false;
      choose(inside(form, "openeye-photo-file"), {
        size: 3 * 1000 * 1000 + 1,
        type: "image/jpeg",
        arrayBuffer: async () => {
          read = true;
          return new ArrayBuffer(0);
        },
      });
      inside(form, "openeye-photo-submit").click();
      await flush();
      assert.equal($(card, "openeye-photo-error").textContent, "L’image est trop grande.");
      assert.equal(read, false);
      assert.equal(typesCalled(hass, "openeye/people/enroll").length, 0);
      card.remove();
    });

    it("takes a camera's current frame for an existing person", async () => {
      const hass = fakeHass({ admin: true, ws: ws({ person_id: "p1", name: "Ada", created: false }) });
      hass.states = { "camera.front_door": { state: "idle", attributes: { friendly_name: "Front door" } } };
      const card = await mount({ type: "custom:openeye-card" }, hass);
      await flush();
      runFrames();
      const form = $(card, "openeye-photo-form");
      const source = inside(form, "openeye-photo-source");
      assert.deepEqual([...source.options].map((o) => [o.value, o.textContent]), [["", "A photo file"], ["camera.front_door", "Current frame of Front door"]]);
      source.value = "camera.front_door";
      source.dispatchEvent(new Event("change"));
      assert.equal(inside(form, "openeye-photo-file").closest("label").hidden, true);
      const person = inside(form, "openeye-photo-person");
      person.value = "p1";
      person.dispatchEvent(new Event("change"));
      inside(form, "openeye-photo-submit").click();
      await flush();
      assert.deepEqual(typesCalled(hass, "openeye/people/enroll"), [{ type: "openeye/people/enroll", person_id: "p1", camera_entity_id: "camera.front_door" }]);
      assert.equal($(card, "openeye-photo-notice").textContent, "Ada was taught from the picture");
      card.remove();
    });

    it("is not there for other users", async () => {
      const hass = fakeHass({ admin: false, ws: ws({}) });
      const card = await mount({ type: "custom:openeye-card" }, hass);
      await flush();
      assert.equal($(card, "openeye-photo-form"), null);
      card.remove();
    });
  });
});
