/**
 * OpenEye's Lovelace card (`type: custom:openeye-card`).
 *
 * Served by the integration at /openeye/frontend/openeye-card.js and added to
 * the frontend as a module, with its sibling modules next to it; no build
 * step and no dependency. It is a plain custom element with a shadow root.
 *
 * Data comes from the frontend's own connection (`hass.connection`): an
 * `openeye/subscribe` subscription while it can be had ("Live"), which the
 * frontend's connection library keeps across reconnects ("Connecting" while it
 * does), else `openeye/statistics` and OpenEye's entities every few seconds
 * ("Polling"), as SubscriptionController (openeye-card-status.js) decides.
 * Messages go through the pure reducers of openeye-card-logic.js; the DOM is
 * updated in at most one pass per animation frame, part by part, only where
 * the state object of that part changed. The visual editor is Home
 * Assistant's own form, described by openeye-card-editor.js.
 */

import { configForm } from "./openeye-card-editor.js";
import { faceImage, h, reconcile, setAttr, setImage, setText } from "./openeye-card-dom.js";
import { resolveLanguage, translator } from "./openeye-card-i18n.js";
import {
  applyEntityCounters,
  applyStatistics,
  buildAssignRequest,
  buildCorrectRequest,
  buildDeleteRequest,
  buildEnrollRequest,
  buildRenameRequest,
  buildStrangerAssignRequest,
  buildStrangerDeleteRequest,
  cameraEntities,
  canTeach,
  checkPhotoFile,
  cardSize,
  changedCounters,
  counterEntities,
  countersFromEntities,
  createState,
  describeFeedItem,
  errorText,
  formatClock,
  formatConfidence,
  formatDateTime,
  formatRelativeTime,
  isAdmin,
  markWithdrawn,
  normalizePeople,
  normalizeStrangers,
  normalizeUnknownFaces,
  photoToBase64,
  reduceMessage,
  refusalText,
  stubConfig,
  subscribeRequest,
  timeZoneFor,
  validateConfig,
} from "./openeye-card-logic.js";
import { normalizeError, STATUS, SubscriptionController } from "./openeye-card-status.js";

const CARD_TAG = "openeye-card";
const TICK_MS = 10000;
const TEACH_REFRESH_DELAY_MS = 2000;
const STALE_ERRORS = new Set(["not_found", "unknown_stranger", "unknown_recognition"]);

const STYLE = `
  :host { display: block; }
  ha-card {
    display: flex; flex-direction: column; gap: 16px; padding: 16px;
    color: var(--primary-text-color); box-sizing: border-box; height: 100%;
    overflow-wrap: anywhere;
  }
  [hidden] { display: none !important; }
  .header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; }
  .title { margin: 0; font-size: var(--ha-card-header-font-size, 1.4em); font-weight: 400; line-height: 1.3; }
  .status {
    display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px;
    border: 1px solid var(--divider-color); font-size: 0.85em; color: var(--secondary-text-color);
    white-space: nowrap;
  }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--secondary-text-color); flex: none; }
  .status[data-status="live"] .dot { background: var(--success-color, #43a047); }
  .status[data-status="polling"] .dot { background: var(--warning-color, #ffa600); }
  .status[data-status="connecting"] .dot { animation: pulse 1.2s ease-in-out infinite; }
  @keyframes pulse { 50% { opacity: 0.3; } }
  @media (prefers-reduced-motion: reduce) { .status[data-status="connecting"] .dot { animation: none; } }
  .hint { margin: 0; font-size: 0.85em; color: var(--secondary-text-color); }
  .error { margin: 0; font-size: 0.9em; color: var(--error-color, #db4437); }
  h3 { margin: 0 0 8px; font-size: 1em; font-weight: 500; }
  h4 { margin: 12px 0 6px; font-size: 0.95em; font-weight: 500; color: var(--secondary-text-color); }
  ul { list-style: none; margin: 0; padding: 0; }
  .muted { color: var(--secondary-text-color); font-size: 0.85em; }
  .counters { display: grid; gap: 8px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 96px), 1fr)); }
  .counter { display: flex; flex-direction: column; align-items: center; text-align: center; gap: 2px; padding: 8px 4px;
    border: 1px solid var(--divider-color); border-radius: var(--ha-card-border-radius, 12px); }
  .counter .value { font-size: 1.7em; line-height: 1.2; color: var(--primary-color); font-variant-numeric: tabular-nums; }
  .counter .label { font-size: 0.8em; color: var(--secondary-text-color); }
  .thumb { width: 48px; height: 48px; border-radius: 8px; object-fit: cover; flex: none;
    background: var(--divider-color); }
  .last-body { display: flex; gap: 12px; align-items: center; min-width: 0; }
  .last-body .thumb { width: 64px; height: 64px; }
  .last-text { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
  .last-name { font-size: 1.15em; font-weight: 500; }
  .cameras-list { display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(min(100%, 200px), 1fr)); }
  .camera { padding: 8px 10px; border: 1px solid var(--divider-color); border-radius: 8px; display: flex; flex-direction: column; gap: 4px; min-width: 0; }
  .camera-head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 6px; align-items: center; }
  .camera-name { font-weight: 500; }
  .badge { font-size: 0.75em; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--divider-color); color: var(--secondary-text-color); }
  .badge[data-status="streaming"] { color: var(--success-color, #43a047); border-color: currentColor; }
  .badge[data-status="reconnecting"], .badge[data-status="connecting"] { color: var(--warning-color, #ffa600); border-color: currentColor; }
  .badge[data-status="failed"] { color: var(--error-color, #db4437); border-color: currentColor; }
  .camera-meta { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 0.85em; color: var(--secondary-text-color); }
  .camera-meta [data-motion="true"] { color: var(--warning-color, #ffa600); }
  .feed-list li, .teach-list li { display: flex; gap: 10px; align-items: flex-start; padding: 6px 0; border-top: 1px solid var(--divider-color); min-width: 0; }
  .feed-list li:first-child, .teach-list li:first-child { border-top: none; }
  .feed-list .thumb { width: 40px; height: 40px; }
  .feed-body, .teach-body { display: flex; flex-direction: column; gap: 2px; min-width: 0; flex: 1; }
  .feed-meta { display: flex; flex-wrap: wrap; gap: 0 8px; font-size: 0.8em; color: var(--secondary-text-color); }
  .feed-item[data-alert="true"] .feed-text { color: var(--error-color, #db4437); }
  .feed-item[data-withdrawn="true"] .feed-text { text-decoration: line-through; color: var(--secondary-text-color); }
  .feed-list .row button, .teach-list .row button { min-height: 32px; padding: 4px 10px; }
  .notice { margin: 0; font-size: 0.9em; color: var(--success-color, #43a047); }
  .section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px; }
  form, .row { display: flex; flex-wrap: wrap; gap: 6px; align-items: flex-end; margin: 4px 0 0; }
  label { display: flex; flex-direction: column; gap: 2px; font-size: 0.8em; color: var(--secondary-text-color); flex: 1 1 120px; min-width: 0; }
  input, select {
    font: inherit; font-size: 1rem; color: var(--primary-text-color); background: var(--card-background-color, transparent);
    border: 1px solid var(--divider-color); border-radius: 6px; padding: 6px 8px; min-width: 0; width: 100%; box-sizing: border-box;
  }
  input:focus-visible, select:focus-visible, button:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 1px; }
  button {
    font: inherit; font-size: 0.9em; cursor: pointer; border-radius: 6px; padding: 6px 12px; min-height: 36px;
    border: 1px solid var(--primary-color); background: transparent; color: var(--primary-color);
  }
  button.primary { background: var(--primary-color); color: var(--text-primary-color, #fff); }
  button.danger { border-color: var(--error-color, #db4437); color: var(--error-color, #db4437); }
  button.danger.primary { background: var(--error-color, #db4437); color: var(--text-primary-color, #fff); }
  button:disabled { opacity: 0.5; cursor: default; }
`;

const COUNTERS = [
  ["known_people", "openeye-counter-known-people"],
  ["recognitions_today", "openeye-counter-recognitions-today"],
  ["unknown_faces_today", "openeye-counter-unknown-faces-today"],
];

/**
 * The card element. Home Assistant calls setConfig, sets `hass` on every
 * change, asks for its size, and takes its editor from getConfigForm; the
 * element starts its live updates while it is in the page and stops them,
 * leaving nothing behind, when it leaves.
 */
class OpenEyeCard extends HTMLElement {
  /** The visual editor: Home Assistant's own form (see openeye-card-editor.js). */
  static getConfigForm() {
    return configForm();
  }

  static getStubConfig() {
    return stubConfig();
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = null;
    this._hass = null;
    this._lang = "en";
    this._t = translator("en");
    this._timeZone = undefined;
    this._teachVisible = false;
    this._admin = false;
    this._attached = false;
    this._controller = null;
    this._controllerConnection = null;
    this._status = STATUS.CONNECTING;
    this._statusSnapshot = null;
    this._pollError = null;
    this._entityCounters = {};
    this._counterSensors = [];
    this._state = createState();
    this._rendered = {};
    this._refs = null;
    this._frame = null;
    this._tickTimer = null;
    this._teach = {
      unknown: [],
      people: [],
      loaded: false,
      loading: false,
      again: false,
      error: null,
      timer: null,
    };
    this._strangers = {
      list: [],
      loaded: false,
      loading: false,
      again: false,
      error: null,
      timer: null,
      notice: null,
    };
  }

  // ------------------------------------------------------------ Lovelace API

  setConfig(config) {
    const next = validateConfig(config);
    const previous = this._config;
    this._config = next;
    const filterChanged =
      !previous || previous.camera_ids.join("\u0000") !== next.camera_ids.join("\u0000");
    if (filterChanged) {
      this._state = createState();
      if (this._controller) this._restart();
    } else if (this._state.feed.length > next.feed_size) {
      this._state = { ...this._state, feed: this._state.feed.slice(0, next.feed_size) };
    }
    this._teachVisible = canTeach(this._hass, next);
    this._admin = isAdmin(this._hass);
    this._build();
    this._maybeStart();
  }

  set hass(hass) {
    const previous = this._hass;
    this._hass = hass;
    if (!hass) return;
    const lang = resolveLanguage(hass);
    const timeZone = timeZoneFor(hass);
    const teach = canTeach(hass, this._config);
    const admin = isAdmin(hass);
    if (
      lang !== this._lang ||
      timeZone !== this._timeZone ||
      teach !== this._teachVisible ||
      admin !== this._admin
    ) {
      this._lang = lang;
      this._t = translator(lang);
      this._timeZone = timeZone;
      this._teachVisible = teach;
      this._admin = admin;
      if (this._config) this._build();
    }
    if (this._controller && this._controllerConnection !== hass.connection) this._restart();
    else this._maybeStart();
    if (!previous || previous.entities !== hass.entities) {
      this._counterSensors = counterEntities(hass.entities);
    }
    if (!previous || previous.states !== hass.states || previous.entities !== hass.entities) {
      this._readEntities();
      // Cameras come and go rarely; the list is only rebuilt when it differs.
      if (this._refs?.teach) this._fillPhotoSources();
    }
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    return cardSize(this._config ?? validateConfig({}));
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6 };
  }

  connectedCallback() {
    this._attached = true;
    this._maybeStart();
    this._scheduleRender();
  }

  disconnectedCallback() {
    this._attached = false;
    this._stop();
  }

  // ------------------------------------------------------------ data flow

  _maybeStart() {
    if (this._controller || !this._attached || !this._config || !this._hass?.connection) return;
    const connection = this._hass.connection;
    const request = subscribeRequest(this._config);
    const legacy = subscribeRequest(this._config, { legacy: true });
    this._controllerConnection = connection;
    this._controller = new SubscriptionController({
      connection,
      // The library's default (resubscribe) sets the subscription up again
      // after every reconnect; a fresh copy of the request each time, since
      // the library writes the command id into the message it sends.
      subscribe: async (onMessage) => {
        try {
          return await connection.subscribeMessage(onMessage, { ...request });
        } catch (err) {
          // An OpenEye without past_named pushes refuses the request as
          // invalid_format; the pushes it has are still worth having.
          if (normalizeError(err).code !== "invalid_format") throw err;
          return connection.subscribeMessage(onMessage, { ...legacy });
        }
      },
      poll: () => this._poll(),
      onMessage: (msg) => this._onMessage(msg),
      onStatus: (status, snapshot) => {
        this._status = status;
        this._statusSnapshot = snapshot;
        if (status === STATUS.LIVE) this._pollError = null;
        this._scheduleRender();
      },
    });
    this._controller.start();
    this._startTick();
    if (this._teachVisible && !this._teach.loaded) this._loadTeach();
    if (this._config.show_strangers && !this._strangers.loaded) this._loadStrangers();
  }

  _stop() {
    if (this._controller) {
      this._controller.stop();
      this._controller = null;
      this._controllerConnection = null;
    }
    if (this._tickTimer !== null) {
      clearTimeout(this._tickTimer);
      this._tickTimer = null;
    }
    if (this._teach.timer !== null) {
      clearTimeout(this._teach.timer);
      this._teach.timer = null;
    }
    if (this._strangers.timer !== null) {
      clearTimeout(this._strangers.timer);
      this._strangers.timer = null;
    }
    if (this._frame !== null) {
      if (this._frame.raf) cancelAnimationFrame(this._frame.id);
      this._frame.cancelled = true;
      this._frame = null;
    }
  }

  _restart() {
    this._stop();
    this._status = STATUS.CONNECTING;
    this._maybeStart();
    this._scheduleRender();
  }

  _startTick() {
    if (this._tickTimer !== null) return;
    const tick = () => {
      this._tickTimer = setTimeout(tick, TICK_MS);
      this._rendered.clock = null;
      this._scheduleRender();
    };
    this._tickTimer = setTimeout(tick, TICK_MS);
  }

  _onMessage(msg) {
    // A new unknown face may start or join a stranger; a withdrawn recognition
    // becomes one; a person taught may have taken some over. The list is read
    // again whether or not the feed shows the push.
    const event = msg?.type === "camera_event" ? msg.event_type : msg?.type;
    const strangersChanged =
      ["unknown_face", "recognition_withdrawn", "past_named"].includes(event) ||
      (msg?.type === "alert" && msg.alert_type === "unknown_face");
    if (this._config?.show_strangers && strangersChanged) this._scheduleStrangersLoad();
    const before = this._state;
    const next = reduceMessage(before, msg, this._config);
    if (next === before) return;
    this._state = next;
    if (
      this._teachVisible &&
      (next.counters.known_people !== before.counters.known_people ||
        next.counters.unknown_faces_today !== before.counters.unknown_faces_today ||
        (msg.type === "camera_event" && msg.event_type === "unknown_face") ||
        event === "past_named")
    ) {
      this._scheduleTeachLoad();
    }
    this._scheduleRender();
  }

  async _poll() {
    const hass = this._hass;
    if (!hass) return;
    try {
      const statistics = await hass.callWS({ type: "openeye/statistics" });
      const before = this._state;
      this._state = applyStatistics(before, statistics, this._config, { fromPoll: true });
      this._pollError = null;
      if (this._teachVisible && this._state.counters !== before.counters) this._scheduleTeachLoad();
    } catch (err) {
      this._pollError = err;
      // Without openeye/statistics, OpenEye's sensors still give the counters.
      this._state = applyEntityCounters(this._state, this._entityCounters);
    }
    this._scheduleRender();
  }

  _readEntities() {
    const found = countersFromEntities(this._hass, this._counterSensors);
    const changed = changedCounters(this._entityCounters, found);
    this._entityCounters = found;
    // Pushed statistics are authoritative while Live; the sensors only fill in
    // between polls.
    if (this._status !== STATUS.POLLING || Object.keys(changed).length === 0) return;
    const next = applyEntityCounters(this._state, changed);
    if (next !== this._state) {
      this._state = next;
      this._scheduleRender();
    }
  }

  // ------------------------------------------------------------ teaching

  _scheduleTeachLoad() {
    if (this._teach.timer !== null || !this._attached) return;
    this._teach.timer = setTimeout(() => {
      this._teach.timer = null;
      this._loadTeach();
    }, TEACH_REFRESH_DELAY_MS);
  }

  async _loadTeach() {
    const teach = this._teach;
    if (!this._teachVisible || !this._hass) return;
    if (teach.loading) {
      teach.again = true;
      return;
    }
    teach.loading = true;
    teach.again = false;
    this._scheduleRender();
    const hass = this._hass;
    const [unknown, people] = await Promise.allSettled([
      hass.callWS({ type: "openeye/unknown/list" }),
      hass.callWS({ type: "openeye/people/list" }),
    ]);
    teach.loading = false;
    teach.loaded = true;
    teach.error = null;
    if (unknown.status === "fulfilled") teach.unknown = normalizeUnknownFaces(unknown.value);
    else teach.error = unknown.reason;
    if (people.status === "fulfilled") teach.people = normalizePeople(people.value, this._lang);
    else teach.error = people.reason;
    this._rendered.teach = null;
    this._scheduleRender();
    if (teach.again) this._loadTeach();
  }

  /** Runs one teaching call for a row, shows its error inline, then reloads the lists. */
  async _teachCall(row, makeRequest, onSuccess) {
    const error = row.querySelector(".error");
    let request;
    try {
      request = makeRequest();
    } catch (err) {
      error.textContent = errorText(err, this._lang);
      error.hidden = false;
      return;
    }
    const controls = Array.from(row.querySelectorAll("button, input, select"));
    for (const control of controls) control.disabled = true;
    error.hidden = true;
    let failed = null;
    try {
      await this._hass.callWS(request);
    } catch (err) {
      failed = err;
    }
    for (const control of controls) control.disabled = false;
    const select = row._refs?.select;
    if (select) row._refs.name.disabled = select.value !== "";
    if (failed === null) {
      onSuccess?.();
    } else {
      error.textContent = errorText(failed, this._lang);
      error.hidden = false;
      // Only a not_found says that the lists are stale.
      if (failed?.code !== "not_found") return;
    }
    this._loadTeach();
  }

  /**
   * Runs one admin action of a row (a stranger, a feed entry, the photo
   * form): the request is built first (a refusal of the card's own checks
   * costs no call), the row's controls are disabled while it runs, and a
   * refusal is shown in `error` with the server's translated message. What
   * the user typed stays where it is. Resolves to the result, or null.
   */
  async _actionCall(row, error, makeRequest) {
    let request;
    try {
      request = await makeRequest();
    } catch (err) {
      error.textContent = refusalText(err, this._lang);
      error.hidden = false;
      return null;
    }
    const controls = Array.from(row.querySelectorAll("button, input, select"));
    const wasDisabled = controls.map((control) => control.disabled);
    for (const control of controls) control.disabled = true;
    error.hidden = true;
    let result = null;
    let failed = null;
    try {
      result = (await this._hass.callWS(request)) ?? {};
    } catch (err) {
      failed = err;
    }
    controls.forEach((control, i) => {
      control.disabled = wasDisabled[i];
    });
    if (failed === null) return result;
    error.textContent = refusalText(failed, this._lang);
    error.hidden = false;
    // Only these say that what the card lists is stale.
    if (STALE_ERRORS.has(normalizeError(failed).code)) this._reloadLists();
    return null;
  }

  // ------------------------------------------------------------ strangers

  _scheduleStrangersLoad() {
    if (this._strangers.timer !== null || !this._attached) return;
    this._strangers.timer = setTimeout(() => {
      this._strangers.timer = null;
      this._loadStrangers();
    }, TEACH_REFRESH_DELAY_MS);
  }

  /** Reads openeye/strangers/list (any user), and the people for an admin's choice list. */
  async _loadStrangers() {
    const strangers = this._strangers;
    if (!this._config?.show_strangers || !this._hass) return;
    if (strangers.loading) {
      strangers.again = true;
      return;
    }
    strangers.loading = true;
    strangers.again = false;
    this._scheduleRender();
    const hass = this._hass;
    // The teaching part reads the people itself; without it an admin still
    // needs them to give a stranger to someone known.
    const wantPeople = this._admin && !this._teachVisible;
    const [list, people] = await Promise.allSettled([
      hass.callWS({ type: "openeye/strangers/list" }),
      wantPeople ? hass.callWS({ type: "openeye/people/list" }) : Promise.resolve(null),
    ]);
    strangers.loading = false;
    strangers.loaded = true;
    strangers.error = null;
    if (list.status === "fulfilled") strangers.list = normalizeStrangers(list.value);
    else strangers.error = list.reason;
    if (wantPeople && people.status === "fulfilled") {
      this._teach.people = normalizePeople(people.value, this._lang);
    }
    this._rendered.strangers = null;
    this._scheduleRender();
    if (strangers.again) this._loadStrangers();
  }

  /** After a change to what OpenEye was taught: both lists are read again. */
  _reloadLists() {
    if (this._config?.show_strangers) this._loadStrangers();
    if (this._teachVisible) this._loadTeach();
  }

  // ------------------------------------------------------------ rendering

  _scheduleRender() {
    if (this._frame !== null || !this._refs || !this._attached) return;
    const frame = { raf: typeof requestAnimationFrame === "function", id: null, cancelled: false };
    const run = () => {
      if (frame.cancelled) return;
      this._frame = null;
      this._render();
    };
    this._frame = frame;
    if (frame.raf) frame.id = requestAnimationFrame(run);
    else queueMicrotask(run);
  }

  /** Builds the card's skeleton for the current configuration, language and role. */
  _build() {
    const t = this._t;
    this._photoRefs = null;
    const config = this._config;
    const refs = {};
    const title = config.title ?? t("card.title");
    refs.statusText = h("span", { className: "status-text", "data-testid": "openeye-status-text" });
    refs.status = h(
      "span",
      { className: "status", "data-testid": "openeye-status", role: "status" },
      [h("span", { className: "dot", "aria-hidden": "true" }), refs.statusText],
    );
    refs.hint = h("p", { className: "hint", "data-testid": "openeye-status-hint", hidden: true });
    refs.error = h("p", { className: "error", "data-testid": "openeye-error", role: "alert", hidden: true });
    const header = h("div", { className: "header" }, [
      title ? h("h2", { className: "title", "data-testid": "openeye-title", text: title }) : h("span"),
      refs.status,
    ]);

    const parts = [header, refs.hint, refs.error];

    if (config.show_counters) {
      refs.counters = {};
      const cells = COUNTERS.map(([key, testid]) => {
        refs.counters[key] = h("span", { className: "value", "data-testid": testid, text: "—" });
        return h("div", { className: "counter" }, [
          refs.counters[key],
          h("span", { className: "label", text: t(`counter.${key}`) }),
        ]);
      });
      parts.push(h("section", { className: "counters", "data-testid": "openeye-counters" }, cells));
    }

    if (config.show_last_recognition) {
      refs.last = {
        image: faceImage(null, "openeye-last-recognition-image"),
        name: h("span", { className: "last-name", "data-testid": "openeye-last-recognition-name" }),
        camera: h("span", { "data-testid": "openeye-last-recognition-camera" }),
        time: h("time", { "data-testid": "openeye-last-recognition-time" }),
        separator: h("span", { "aria-hidden": "true", text: " · " }),
        confidence: h("span", { "data-testid": "openeye-last-recognition-confidence" }),
        none: h("p", { className: "muted", "data-testid": "openeye-last-recognition-none", text: t("last.none") }),
      };
      refs.last.body = h("div", { className: "last-body" }, [
        refs.last.image,
        h("div", { className: "last-text" }, [
          refs.last.name,
          h("span", { className: "muted" }, [refs.last.camera]),
          h("span", { className: "muted" }, [refs.last.time, refs.last.separator, refs.last.confidence]),
        ]),
      ]);
      parts.push(
        h("section", { className: "last", "data-testid": "openeye-last-recognition" }, [
          h("h3", { text: t("last.title") }),
          refs.last.none,
          refs.last.body,
        ]),
      );
    }

    if (config.show_cameras) {
      refs.cameras = h("ul", { className: "cameras-list", "data-testid": "openeye-cameras" });
      refs.camerasNone = h("p", { className: "muted", "data-testid": "openeye-cameras-none", text: t("cameras.none") });
      parts.push(
        h("section", { className: "cameras" }, [
          h("h3", { text: t("cameras.title") }),
          refs.cameras,
          refs.camerasNone,
        ]),
      );
    }

    if (config.show_feed) {
      refs.feed = h("ul", { className: "feed-list", "data-testid": "openeye-feed", "aria-live": "off" });
      refs.feedEmpty = h("p", { className: "muted", "data-testid": "openeye-feed-empty", text: t("feed.empty") });
      parts.push(
        h("section", { className: "feed" }, [h("h3", { text: t("feed.title") }), refs.feed, refs.feedEmpty]),
      );
    }

    // Everyone may see the strangers; only administrators get their controls.
    if (config.show_strangers) {
      refs.strangers = this._buildStrangers();
      parts.push(refs.strangers.section);
    }

    // Non-administrators never get the teaching controls in their DOM at all.
    if (this._teachVisible) {
      refs.teach = this._buildTeach();
      parts.push(refs.teach.section);
    }

    const card = h("ha-card", { "data-testid": "openeye-card" }, parts);
    this.shadowRoot.replaceChildren(h("style", { text: STYLE }), card);
    this._refs = refs;
    this._rendered = {};
    if (this._teachVisible && this._controller && !this._teach.loaded) this._loadTeach();
    if (config.show_strangers && this._controller && !this._strangers.loaded) this._loadStrangers();
    // The first paint happens now so that the card is never empty for a frame.
    this._render();
  }

  _render() {
    const refs = this._refs;
    if (!refs) return;
    const rendered = this._rendered;
    const state = this._state;
    const t = this._t;
    const now = Date.now();

    if (rendered.status !== this._status || rendered.pollError !== this._pollError || rendered.snapshot !== this._statusSnapshot) {
      rendered.status = this._status;
      rendered.pollError = this._pollError;
      rendered.snapshot = this._statusSnapshot;
      setAttr(refs.status, "data-status", this._status);
      setText(refs.statusText, t(`status.${this._status}`));
      const polling = this._status === STATUS.POLLING;
      const reason = this._statusSnapshot?.lastError;
      refs.hint.hidden = !polling;
      if (polling) setText(refs.hint, t("status.polling_hint", { reason: errorText(reason, this._lang) }));
      refs.error.hidden = this._pollError === null;
      if (this._pollError !== null) setText(refs.error, errorText(this._pollError, this._lang));
    }

    if (refs.counters && rendered.counters !== state.counters) {
      rendered.counters = state.counters;
      for (const [key] of COUNTERS) {
        const value = state.counters[key];
        setText(refs.counters[key], value === null ? "—" : String(value));
      }
    }

    const clockChanged = rendered.clock !== true;
    if (refs.last && (rendered.last !== state.lastRecognition || clockChanged)) {
      rendered.last = state.lastRecognition;
      this._renderLast(state.lastRecognition, now);
    }

    if (refs.cameras && rendered.cameras !== state.cameras) {
      rendered.cameras = state.cameras;
      reconcile(
        refs.cameras,
        state.cameras,
        (camera) => camera.camera_id,
        (camera) => this._createCamera(camera),
        (node, camera) => this._updateCamera(node, camera),
      );
      refs.camerasNone.hidden = state.cameras.length > 0 || !state.hasStatistics;
    }

    if (refs.feed && rendered.feed !== state.feed) {
      rendered.feed = state.feed;
      reconcile(
        refs.feed,
        state.feed,
        (item) => item.id,
        (item) => this._createFeedItem(item, now),
        // An entry changes only when an older OpenEye's alert marks a stranger
        // as one, or when a recognition is withdrawn.
        (node, item) => this._updateFeedItem(node, item),
      );
      refs.feedEmpty.hidden = state.feed.length > 0;
    }

    if (refs.strangers && (rendered.strangers !== true || clockChanged)) {
      rendered.strangers = true;
      this._renderStrangers(now);
    }

    if (refs.teach && (rendered.teach !== true || clockChanged)) {
      rendered.teach = true;
      this._renderTeach(now);
    }
    rendered.clock = true;
  }

  _renderLast(last, now) {
    const refs = this._refs.last;
    const t = this._t;
    refs.none.hidden = last !== null;
    refs.body.hidden = last === null;
    if (last === null) return;
    setText(refs.name, last.person_name ?? t("feed.someone"));
    setText(refs.camera, t("last.at_camera", { camera: last.camera_name }));
    setText(refs.time, formatRelativeTime(last.timestamp, now, this._lang));
    setAttr(refs.time, "datetime", new Date(last.timestamp).toISOString());
    setAttr(refs.time, "title", formatDateTime(last.timestamp, this._lang, this._timeZone));
    setText(
      refs.confidence,
      last.confidence === null
        ? ""
        : t("last.confidence", { value: formatConfidence(last.confidence, this._lang) }),
    );
    refs.separator.hidden = last.confidence === null;
    setImage(refs.image, last.image_url);
  }

  _createCamera(camera) {
    const node = h("li", { className: "camera", "data-testid": "openeye-camera", "data-camera-id": camera.camera_id });
    node._refs = {
      name: h("span", { className: "camera-name", "data-testid": "openeye-camera-name" }),
      status: h("span", { className: "badge", "data-testid": "openeye-camera-status" }),
      faces: h("span", { "data-testid": "openeye-camera-faces" }),
      motion: h("span", { "data-testid": "openeye-camera-motion" }),
      last: h("span", { "data-testid": "openeye-camera-last-person" }),
    };
    const r = node._refs;
    node.append(
      h("div", { className: "camera-head" }, [r.name, r.status]),
      h("div", { className: "camera-meta" }, [r.faces, r.motion, r.last]),
    );
    return node;
  }

  _updateCamera(node, camera) {
    const r = node._refs;
    const t = this._t;
    setText(r.name, camera.name);
    setAttr(r.status, "data-status", camera.status);
    setText(r.status, t(`camera.status.${camera.status}`));
    setAttr(r.faces, "data-value", camera.faces_in_view);
    setText(r.faces, t("camera.faces_in_view", { count: camera.faces_in_view }));
    setAttr(r.motion, "data-motion", camera.motion ? "true" : "false");
    setText(r.motion, camera.motion ? t("camera.motion") : t("camera.no_motion"));
    setText(
      r.last,
      camera.last_person ? t("camera.last_person", { name: camera.last_person }) : t("camera.last_person_none"),
    );
  }

  _createFeedItem(item, now) {
    const time = h("time", {
      "data-testid": "openeye-feed-time",
      datetime: new Date(item.timestamp).toISOString(),
      title: formatDateTime(item.timestamp, this._lang, this._timeZone),
      text: formatClock(item.timestamp, now, this._lang, this._timeZone),
    });
    const r = {};
    if (item.kind === "face_recognized") {
      r.withdrawn = h("span", { className: "badge", "data-testid": "openeye-feed-withdrawn", text: this._t("feed.withdrawn"), hidden: true });
    }
    const meta = h("div", { className: "feed-meta" }, [
      time,
      item.camera_name ? h("span", { "data-testid": "openeye-feed-camera", text: item.camera_name }) : null,
      r.withdrawn,
    ]);
    const node = h(
      "li",
      {
        className: "feed-item",
        "data-testid": "openeye-feed-item",
        "data-event-type": item.kind,
        "data-camera-id": item.camera_id ?? undefined,
        "data-recognition-id": item.recognition_id ?? undefined,
      },
      [
        item.image_url ? faceImage(item.image_url, "openeye-feed-image") : null,
        h("div", { className: "feed-body" }, [
          h("span", { className: "feed-text", "data-testid": "openeye-feed-text", text: describeFeedItem(item, this._lang) }),
          meta,
          // Only administrators may say that a recognition was wrong, and only
          // for one that OpenEye can name (an older OpenEye sends no id).
          this._admin && item.recognition_id ? this._buildCorrect(item, r) : null,
        ]),
      ],
    );
    node._refs = r;
    return node;
  }

  /** The "Not this person" control of a recognition, with its confirmation. */
  _buildCorrect(item, r) {
    const t = this._t;
    const name = item.person_name;
    const show = (confirming) => {
      r.correct.hidden = confirming;
      r.confirm.hidden = !confirming;
    };
    r.error = h("p", { className: "error", "data-testid": "openeye-feed-correct-error", role: "alert", hidden: true });
    r.correct = h("button", {
      type: "button",
      className: "danger",
      "data-testid": "openeye-feed-not-this-person",
      text: t("feed.not_this_person"),
      onclick: () => {
        r.error.hidden = true;
        show(true);
      },
    });
    r.confirm = h("div", { className: "row", hidden: true }, [
      h("span", { "data-testid": "openeye-feed-not-this-person-question", text: t("feed.not_this_person_confirm", { name }) }),
      h("button", {
        type: "button",
        className: "danger primary",
        "data-testid": "openeye-feed-not-this-person-confirm",
        text: t("feed.not_this_person_yes", { name }),
        onclick: async () => {
          const result = await this._actionCall(r.box, r.error, () => buildCorrectRequest(item.recognition_id));
          if (result === null) return;
          // The recognition_withdrawn push will say the same; the entry need not wait for it.
          this._state = markWithdrawn(this._state, item.recognition_id);
          this._scheduleRender();
          this._reloadLists();
        },
      }),
      h("button", { type: "button", "data-testid": "openeye-feed-not-this-person-cancel", text: t("teach.cancel"), onclick: () => show(false) }),
    ]);
    r.box = h("div", {}, [h("div", { className: "row" }, [r.correct]), r.confirm, r.error]);
    return r.box;
  }

  _updateFeedItem(node, item) {
    setAttr(node, "data-alert", item.alert ? "true" : null);
    setAttr(node, "data-withdrawn", item.withdrawn ? "true" : null);
    const r = node._refs ?? {};
    if (r.withdrawn) r.withdrawn.hidden = !item.withdrawn;
    if (r.box && item.withdrawn) r.box.hidden = true;
  }

  // ------------------------------------------------------------ strangers UI

  _buildStrangers() {
    const t = this._t;
    const refs = {
      loading: h("span", { className: "muted", "data-testid": "openeye-strangers-loading", text: t("teach.loading"), hidden: true }),
      error: h("p", { className: "error", "data-testid": "openeye-strangers-error", role: "alert", hidden: true }),
      notice: h("p", { className: "notice", "data-testid": "openeye-strangers-notice", role: "status", hidden: true }),
      list: h("ul", { className: "teach-list", "data-testid": "openeye-strangers-list" }),
      empty: h("p", { className: "muted", "data-testid": "openeye-strangers-empty", text: t("strangers.empty"), hidden: true }),
    };
    const refresh = h("button", {
      type: "button",
      "data-testid": "openeye-strangers-refresh",
      text: t("teach.refresh"),
      onclick: () => this._loadStrangers(),
    });
    refs.section = h("section", { className: "strangers", "data-testid": "openeye-strangers" }, [
      h("div", { className: "section-head" }, [h("h3", { text: t("strangers.title") }), refs.loading, refresh]),
      refs.error,
      refs.notice,
      refs.list,
      refs.empty,
    ]);
    return refs;
  }

  _renderStrangers(now) {
    const refs = this._refs.strangers;
    const strangers = this._strangers;
    refs.loading.hidden = !strangers.loading;
    refs.error.hidden = strangers.error === null;
    if (strangers.error !== null) setText(refs.error, errorText(strangers.error, this._lang));
    refs.notice.hidden = strangers.notice === null;
    if (strangers.notice !== null) setText(refs.notice, strangers.notice);
    const people = this._teach.people;
    const peopleKey = people.map((p) => `${p.person_id}\u0000${p.name}`).join("\u0001");
    reconcile(
      refs.list,
      strangers.list,
      (stranger) => stranger.stranger_id,
      (stranger) => this._createStranger(stranger),
      (node, stranger) => {
        node._stranger = stranger;
        setText(node._refs.label, stranger.label);
        setImage(node._refs.image, stranger.thumbnail);
        if (node._refs.question) {
          setText(node._refs.question, this._t("strangers.remove_confirm", { label: stranger.label }));
        }
      },
    );
    for (const node of refs.list.children) {
      this._updateStrangerMeta(node, now);
      if (node._refs.select) this._fillPeopleSelect(node._refs.select, people, peopleKey);
    }
    refs.empty.hidden = !strangers.loaded || strangers.list.length > 0;
  }

  _updateStrangerMeta(node, now) {
    const stranger = node._stranger;
    if (!stranger) return;
    const t = this._t;
    const parts = [];
    if (stranger.visits !== null) parts.push(t("strangers.visits", { count: stranger.visits }));
    if (stranger.cameras.length > 0) parts.push(stranger.cameras.join(", "));
    if (stranger.last_seen !== null) {
      parts.push(t("strangers.last_seen", { time: formatRelativeTime(stranger.last_seen, now, this._lang) }));
    }
    setText(node._refs.meta, parts.join(" · "));
    if (stranger.last_seen !== null) {
      setAttr(node._refs.meta, "title", formatDateTime(stranger.last_seen, this._lang, this._timeZone));
    }
  }

  _createStranger(stranger) {
    const t = this._t;
    const node = h("li", { className: "stranger", "data-testid": "openeye-stranger", "data-stranger-id": stranger.stranger_id });
    const r = {
      image: faceImage(stranger.thumbnail, "openeye-stranger-image"),
      label: h("span", { className: "last-name", "data-testid": "openeye-stranger-label" }),
      meta: h("span", { className: "muted", "data-testid": "openeye-stranger-meta" }),
    };
    node._refs = r;
    const body = h("div", { className: "teach-body" }, [r.label, r.meta]);
    node.append(r.image, body);
    if (!this._admin) return node;

    r.name = h("input", {
      type: "text",
      autocomplete: "off",
      enterkeyhint: "done",
      placeholder: t("teach.name_placeholder"),
      "data-testid": "openeye-stranger-name",
    });
    r.select = h("select", { "data-testid": "openeye-stranger-person" });
    r.select.append(h("option", { value: "", text: t("teach.new_person") }));
    r.select.addEventListener("change", () => {
      r.name.disabled = r.select.value !== "";
    });
    r.question = h("span", { "data-testid": "openeye-stranger-delete-question" });
    r.error = h("p", { className: "error", "data-testid": "openeye-stranger-error", role: "alert", hidden: true });
    const show = (confirming) => {
      r.form.hidden = confirming;
      r.confirm.hidden = !confirming;
    };
    r.form = h("form", {}, [
      h("label", {}, [document.createTextNode(t("teach.name_label")), r.name]),
      h("label", {}, [document.createTextNode(t("teach.add_to_label")), r.select]),
      h("button", { type: "submit", className: "primary", "data-testid": "openeye-stranger-assign", text: t("strangers.assign") }),
      h("button", {
        type: "button",
        className: "danger",
        "data-testid": "openeye-stranger-delete",
        text: t("strangers.remove"),
        onclick: () => {
          r.error.hidden = true;
          show(true);
        },
      }),
    ]);
    r.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const label = node._stranger?.label ?? stranger.label;
      const result = await this._actionCall(node, r.error, () =>
        buildStrangerAssignRequest(stranger.stranger_id, { name: r.name.value, personId: r.select.value }),
      );
      if (result === null) {
        r.name.disabled = r.select.value !== "";
        return;
      }
      const name = typeof result.name === "string" ? result.name : r.name.value.trim();
      this._removeStranger(stranger.stranger_id, t("strangers.assigned", { label, name }));
    });
    r.confirm = h("div", { className: "row", hidden: true }, [
      r.question,
      h("button", {
        type: "button",
        className: "danger primary",
        "data-testid": "openeye-stranger-delete-confirm",
        text: t("strangers.remove"),
        onclick: async () => {
          const result = await this._actionCall(node, r.error, () => buildStrangerDeleteRequest(stranger.stranger_id));
          if (result !== null) this._removeStranger(stranger.stranger_id, null);
        },
      }),
      h("button", { type: "button", "data-testid": "openeye-stranger-delete-cancel", text: t("teach.cancel"), onclick: () => show(false) }),
    ]);
    body.append(r.form, r.confirm, r.error);
    return node;
  }

  /** Takes a stranger off the list at once (the reload that follows confirms it). */
  _removeStranger(strangerId, notice) {
    this._strangers.list = this._strangers.list.filter((s) => s.stranger_id !== strangerId);
    this._strangers.notice = notice;
    this._rendered.strangers = null;
    this._scheduleRender();
    this._reloadLists();
  }

  // ------------------------------------------------------------ teaching UI

  _buildTeach() {
    const t = this._t;
    const refs = {
      loading: h("span", { className: "muted", "data-testid": "openeye-teach-loading", text: t("teach.loading"), hidden: true }),
      error: h("p", { className: "error", "data-testid": "openeye-teach-error", role: "alert", hidden: true }),
      unknown: h("ul", { className: "teach-list", "data-testid": "openeye-unknown-list" }),
      unknownEmpty: h("p", { className: "muted", "data-testid": "openeye-unknown-empty", text: t("teach.unknown_empty"), hidden: true }),
      people: h("ul", { className: "teach-list", "data-testid": "openeye-people-list" }),
      peopleEmpty: h("p", { className: "muted", "data-testid": "openeye-people-empty", text: t("teach.people_empty"), hidden: true }),
    };
    const refresh = h("button", {
      type: "button",
      "data-testid": "openeye-teach-refresh",
      text: t("teach.refresh"),
      onclick: () => this._loadTeach(),
    });
    refs.photo = this._buildPhotoForm();
    refs.section = h("section", { className: "teach", "data-testid": "openeye-teach" }, [
      h("div", { className: "section-head" }, [h("h3", { text: t("teach.title") }), refs.loading, refresh]),
      refs.error,
      h("h4", { text: t("photo.title") }),
      refs.photo.box,
      h("h4", { text: t("teach.unknown_title") }),
      refs.unknown,
      refs.unknownEmpty,
      h("h4", { text: t("teach.people_title") }),
      refs.people,
      refs.peopleEmpty,
    ]);
    return refs;
  }

  _renderTeach(now) {
    const refs = this._refs.teach;
    const teach = this._teach;
    refs.loading.hidden = !teach.loading;
    refs.error.hidden = teach.error === null;
    if (teach.error !== null) setText(refs.error, errorText(teach.error, this._lang));
    const peopleKey = teach.people.map((p) => `${p.person_id}\u0000${p.name}`).join("\u0001");
    reconcile(
      refs.unknown,
      teach.unknown,
      (face) => face.unknown_id,
      (face) => this._createUnknown(face),
      (node, face) => this._updateUnknown(node, face, now),
    );
    for (const node of refs.unknown.children) {
      this._updateUnknownTime(node, now);
      this._fillPeopleSelect(node._refs.select, teach.people, peopleKey);
    }
    refs.unknownEmpty.hidden = !teach.loaded || teach.unknown.length > 0;
    this._fillPeopleSelect(refs.photo.select, teach.people, peopleKey);
    reconcile(
      refs.people,
      teach.people,
      (person) => person.person_id,
      (person) => this._createPerson(person),
      (node, person) => this._updatePerson(node, person),
    );
    refs.peopleEmpty.hidden = !teach.loaded || teach.people.length > 0;
  }

  /**
   * The "teach from a photo" form: a photo file or a camera's current frame,
   * for a new person or one more photo of someone known. A refusal is shown
   * under it and everything chosen and typed stays; success clears it.
   */
  _buildPhotoForm() {
    const t = this._t;
    const r = {
      source: h("select", { "data-testid": "openeye-photo-source" }),
      file: h("input", { type: "file", accept: "image/jpeg,image/png,image/webp", "data-testid": "openeye-photo-file" }),
      name: h("input", {
        type: "text",
        autocomplete: "off",
        enterkeyhint: "done",
        placeholder: t("teach.name_placeholder"),
        "data-testid": "openeye-photo-name",
      }),
      select: h("select", { "data-testid": "openeye-photo-person" }),
      error: h("p", { className: "error", "data-testid": "openeye-photo-error", role: "alert", hidden: true }),
      notice: h("p", { className: "notice", "data-testid": "openeye-photo-notice", role: "status", hidden: true }),
    };
    r.source.append(h("option", { value: "", text: t("photo.source_file") }));
    r.select.append(h("option", { value: "", text: t("teach.new_person") }));
    r.fileLabel = h("label", {}, [document.createTextNode(t("photo.file_label")), r.file]);
    r.source.addEventListener("change", () => {
      r.fileLabel.hidden = r.source.value !== "";
    });
    r.select.addEventListener("change", () => {
      r.name.disabled = r.select.value !== "";
    });
    r.form = h("form", { "data-testid": "openeye-photo-form" }, [
      h("label", {}, [document.createTextNode(t("photo.source_label")), r.source]),
      r.fileLabel,
      h("label", {}, [document.createTextNode(t("teach.name_label")), r.name]),
      h("label", {}, [document.createTextNode(t("teach.add_to_label")), r.select]),
      h("button", { type: "submit", className: "primary", "data-testid": "openeye-photo-submit", text: t("photo.submit") }),
    ]);
    r.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      r.notice.hidden = true;
      const personId = r.select.value;
      const chosen = personId === "" ? null : this._teach.people.find((p) => p.person_id === personId);
      const result = await this._actionCall(r.form, r.error, async () => {
        const cameraEntityId = r.source.value;
        // The size is checked before the file is read: a refused photo costs nothing.
        const image = cameraEntityId === "" ? await photoToBase64(checkPhotoFile(r.file.files?.[0])) : undefined;
        return buildEnrollRequest({ name: r.name.value, personId, image, cameraEntityId });
      });
      r.name.disabled = r.select.value !== "";
      if (result === null) return;
      const name = typeof result.name === "string" ? result.name : (chosen?.name ?? r.name.value.trim());
      r.notice.textContent = t("photo.taught", { name });
      r.notice.hidden = false;
      r.name.value = "";
      r.file.value = "";
      this._reloadLists();
    });
    r.box = h("div", { className: "photo", "data-testid": "openeye-photo" }, [r.form, r.error, r.notice]);
    this._photoRefs = r;
    this._fillPhotoSources();
    return r;
  }

  /** The photo form's sources: a file, then each camera entity of Home Assistant. */
  _fillPhotoSources() {
    const select = this._photoRefs?.source;
    if (!select) return;
    const cameras = cameraEntities(this._hass, this._lang);
    const key = cameras.map((c) => `${c.entity_id}\u0000${c.name}`).join("\u0001");
    if (select._openeyeCameras === key) return;
    select._openeyeCameras = key;
    const chosen = select.value;
    const first = select.options[0];
    select.replaceChildren(
      first,
      ...cameras.map((c) => h("option", { value: c.entity_id, text: this._t("photo.source_camera", { camera: c.name }) })),
    );
    select.value = cameras.some((c) => c.entity_id === chosen) ? chosen : "";
    select.dispatchEvent(new Event("change"));
  }

  _createUnknown(face) {
    const t = this._t;
    const r = {
      image: faceImage(face.thumbnail, "openeye-unknown-image"),
      meta: h("span", { className: "muted", "data-testid": "openeye-unknown-meta" }),
      name: h("input", {
        type: "text",
        autocomplete: "off",
        enterkeyhint: "done",
        placeholder: t("teach.name_placeholder"),
        "data-testid": "openeye-unknown-name",
      }),
      select: h("select", { "data-testid": "openeye-unknown-person" }),
      error: h("p", { className: "error", "data-testid": "openeye-unknown-error", role: "alert", hidden: true }),
    };
    r.select.append(h("option", { value: "", text: t("teach.new_person") }));
    r.select.addEventListener("change", () => {
      r.name.disabled = r.select.value !== "";
    });
    const node = h("li", { className: "unknown", "data-testid": "openeye-unknown-item", "data-unknown-id": face.unknown_id });
    const form = h("form", {}, [
      h("label", {}, [document.createTextNode(t("teach.name_label")), r.name]),
      h("label", {}, [document.createTextNode(t("teach.add_to_label")), r.select]),
      h("button", { type: "submit", className: "primary", "data-testid": "openeye-unknown-assign", text: t("teach.assign") }),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this._teachCall(
        node,
        () => buildAssignRequest(face.unknown_id, { name: r.name.value, personId: r.select.value }),
        () => {
          // Gone from the list at once; the reload that follows confirms it.
          this._teach.unknown = this._teach.unknown.filter((u) => u.unknown_id !== face.unknown_id);
          this._rendered.teach = null;
          this._scheduleRender();
        },
      );
    });
    node.append(r.image, h("div", { className: "teach-body" }, [r.meta, form, r.error]));
    node._refs = r;
    return node;
  }

  _updateUnknown(node, face, now) {
    setImage(node._refs.image, face.thumbnail);
    node._face = face;
    this._updateUnknownTime(node, now);
  }

  _updateUnknownTime(node, now) {
    const face = node._face;
    if (!face) return;
    const time = face.timestamp === null ? "" : formatRelativeTime(face.timestamp, now, this._lang);
    setText(node._refs.meta, this._t("teach.seen_at", { camera: face.camera_name ?? "", time }));
  }

  _fillPeopleSelect(select, people, key) {
    if (select._openeyePeople === key) return;
    select._openeyePeople = key;
    const chosen = select.value;
    const first = select.options[0];
    select.replaceChildren(first, ...people.map((p) => h("option", { value: p.person_id, text: p.name })));
    select.value = people.some((p) => p.person_id === chosen) ? chosen : "";
    select.dispatchEvent(new Event("change"));
  }

  _createPerson(person) {
    const t = this._t;
    const node = h("li", { className: "person", "data-testid": "openeye-person", "data-person-id": person.person_id });
    const r = {
      image: faceImage(person.thumbnail, "openeye-person-image"),
      name: h("span", { className: "last-name", "data-testid": "openeye-person-name" }),
      photos: h("span", { className: "muted" }),
      input: h("input", { type: "text", autocomplete: "off", "data-testid": "openeye-person-rename-input" }),
      question: h("span", { "data-testid": "openeye-person-delete-question" }),
      error: h("p", { className: "error", "data-testid": "openeye-person-error", role: "alert", hidden: true }),
    };
    const show = (mode) => {
      r.actions.hidden = mode !== "view";
      r.rename.hidden = mode !== "rename";
      r.confirm.hidden = mode !== "confirm";
    };
    r.actions = h("div", { className: "row" }, [
      h("button", {
        type: "button",
        "data-testid": "openeye-person-rename",
        text: t("teach.rename"),
        onclick: () => {
          r.input.value = node._person?.name ?? "";
          r.error.hidden = true;
          show("rename");
          r.input.focus();
        },
      }),
      h("button", {
        type: "button",
        className: "danger",
        "data-testid": "openeye-person-delete",
        text: t("teach.remove"),
        onclick: () => {
          r.error.hidden = true;
          show("confirm");
        },
      }),
    ]);
    r.rename = h("form", { hidden: true }, [
      h("label", {}, [document.createTextNode(t("teach.name_label")), r.input]),
      h("button", { type: "submit", className: "primary", "data-testid": "openeye-person-rename-save", text: t("teach.save") }),
      h("button", { type: "button", "data-testid": "openeye-person-rename-cancel", text: t("teach.cancel"), onclick: () => show("view") }),
    ]);
    r.rename.addEventListener("submit", (event) => {
      event.preventDefault();
      this._teachCall(node, () => buildRenameRequest(person.person_id, r.input.value), () => show("view"));
    });
    r.confirm = h("div", { className: "row", hidden: true }, [
      r.question,
      h("button", {
        type: "button",
        className: "danger primary",
        "data-testid": "openeye-person-delete-confirm",
        text: t("teach.remove"),
        onclick: () =>
          this._teachCall(node, () => buildDeleteRequest(person.person_id), () => {
            this._teach.people = this._teach.people.filter((p) => p.person_id !== person.person_id);
            this._rendered.teach = null;
            this._scheduleRender();
          }),
      }),
      h("button", { type: "button", "data-testid": "openeye-person-delete-cancel", text: t("teach.cancel"), onclick: () => show("view") }),
    ]);
    node.append(
      r.image,
      h("div", { className: "teach-body" }, [h("div", {}, [r.name, document.createTextNode(" "), r.photos]), r.actions, r.rename, r.confirm, r.error]),
    );
    node._refs = r;
    return node;
  }

  _updatePerson(node, person) {
    const r = node._refs;
    node._person = person;
    setText(r.name, person.name);
    setText(r.photos, person.encodings === null ? "" : this._t("teach.photos", { count: person.encodings }));
    setText(r.question, this._t("teach.remove_confirm", { name: person.name }));
    setImage(r.image, person.thumbnail);
  }
}

if (!customElements.get(CARD_TAG)) {
  customElements.define(CARD_TAG, OpenEyeCard);
  window.customCards = window.customCards || [];
  if (!window.customCards.some((card) => card.type === CARD_TAG)) {
    window.customCards.push({
      type: CARD_TAG,
      name: "OpenEye",
      description: "Face recognition at a glance: who was recognized, cameras, a live feed, and teaching new faces.",
      preview: true,
      documentationURL: "https://github.com/openeye-ha/openeye",
    });
  }
}

export { OpenEyeCard };
