/**
 * The OpenEye card's visual editor: Home Assistant's own form.
 *
 * The card answers `getConfigForm()` (Home Assistant 2025.4 and later, like
 * the rest of OpenEye) with `configForm()`: a form schema that Home
 * Assistant's card editor renders itself with its selectors (the title as
 * text, the five parts as switches, the feed's size as a number) and that
 * hands the whole configuration back on every change, options it does not
 * show (grid_options, visibility…) included.
 *
 * Two options are beyond Home Assistant's selectors, and only they are made
 * by hand here, each as a selector element of its own that the form shows
 * like any other (Home Assistant's `ha-selector` renders the element named
 * `ha-selector-<type>` for a selector `{<type>: {}}`):
 *
 * - `camera_ids` (`openeye_cameras`): its choices are OpenEye's cameras, which
 *   only a call to OpenEye lists, while a form's options are fixed when the
 *   form is made;
 * - `feed_event_types` (`openeye_feed_event_types`): no value means the
 *   default types, and Home Assistant's multiple select would show no value
 *   as nothing ticked.
 */

import { h } from "./openeye-card-dom.js";
import { resolveLanguage, translate, translator } from "./openeye-card-i18n.js";
import {
  DEFAULT_FEED_EVENT_TYPES,
  DEFAULT_FEED_SIZE,
  editorCameraChoices,
  errorText,
  FEED_EVENT_TYPES,
  MAX_FEED_SIZE,
  PARTS,
  toggleCamera,
  toggleFeedEventType,
  validateConfig,
} from "./openeye-card-logic.js";

export const CAMERAS_SELECTOR = "openeye_cameras";
export const FEED_EVENT_TYPES_SELECTOR = "openeye_feed_event_types";

// The translation key of each option's label in the editor.
const LABELS = Object.freeze({
  title: "editor.title",
  camera_ids: "editor.cameras",
  feed_size: "editor.feed_size",
  feed_event_types: "editor.feed_event_types",
  ...Object.fromEntries(PARTS.map((part) => [`show_${part}`, `editor.show_${part}`])),
});

/**
 * The language of the page: Home Assistant's frontend writes the user's
 * language into <html lang>, and the form's label callbacks get no `hass`.
 */
function pageLanguage() {
  return resolveLanguage({ language: globalThis.document?.documentElement?.lang });
}

/**
 * What the card's `getConfigForm()` returns: the schema Home Assistant's card
 * editor renders, its labels and helpers in the user's language, and the
 * card's own validation (a configuration the form cannot show is left to the
 * YAML editor, with the card's message).
 *
 * @returns {{schema: object[], computeLabel: Function, computeHelper: Function, assertConfig: Function}}
 */
export function configForm() {
  return {
    schema: [
      { name: "title", selector: { text: {} } },
      { name: "camera_ids", selector: { [CAMERAS_SELECTOR]: {} } },
      // A switch whose option is absent shows its default, here "shown".
      ...PARTS.map((part) => ({ name: `show_${part}`, default: true, selector: { boolean: {} } })),
      {
        name: "feed_size",
        default: DEFAULT_FEED_SIZE,
        selector: { number: { min: 1, max: MAX_FEED_SIZE, step: 1, mode: "box" } },
      },
      { name: "feed_event_types", selector: { [FEED_EVENT_TYPES_SELECTOR]: {} } },
    ],
    computeLabel: (schema) => (LABELS[schema.name] ? translate(pageLanguage(), LABELS[schema.name]) : undefined),
    computeHelper: (schema) => {
      if (schema.name === "camera_ids") return translate(pageLanguage(), "editor.cameras_hint");
      // Home Assistant's number field shows its default only while it has the focus.
      if (schema.name === "feed_size") return translate(pageLanguage(), "editor.feed_size_hint", { count: DEFAULT_FEED_SIZE });
      return undefined;
    },
    assertConfig: (config) => {
      validateConfig(config);
    },
  };
}

const CHECKLIST_STYLE = `
  :host { display: block; color: var(--primary-text-color); }
  [hidden] { display: none !important; }
  .label { margin: 0 0 4px; }
  .choices { display: flex; flex-wrap: wrap; gap: 4px 16px; }
  .check { display: inline-flex; align-items: center; gap: 8px; min-height: 40px; cursor: pointer; }
  input[type="checkbox"] { accent-color: var(--primary-color); width: 18px; height: 18px; margin: 0; }
  .hint, .status { margin: 4px 0 0; font-size: 0.875rem; color: var(--secondary-text-color); }
  .status.error { color: var(--error-color, #db4437); }
`;

/**
 * A selector that Home Assistant's form shows for one option: a labelled
 * list of check boxes. Home Assistant sets `hass`, `value`, `label`, `helper`
 * and `disabled` on it; each tick announces the option's new value with a
 * `value-changed` event, as Home Assistant's own selectors do. Subclasses say
 * what the choices are and what a tick makes of the value.
 */
class ChecklistSelector extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this._value = undefined;
    this._label = "";
    this._helper = "";
    this._disabled = false;
    this._drawn = null;
    this._boxes = [];
  }

  set hass(hass) {
    this._hass = hass;
    this._hassChanged(hass);
    this._update();
  }

  get hass() {
    return this._hass;
  }

  set value(value) {
    this._value = value;
    this._update();
  }

  get value() {
    return this._value;
  }

  set label(label) {
    this._label = typeof label === "string" ? label : "";
    this._update();
  }

  get label() {
    return this._label;
  }

  set helper(helper) {
    this._helper = typeof helper === "string" ? helper : "";
    this._update();
  }

  get helper() {
    return this._helper;
  }

  set disabled(disabled) {
    this._disabled = Boolean(disabled);
    this._update();
  }

  get disabled() {
    return this._disabled;
  }

  connectedCallback() {
    this._update();
  }

  /** The user's language, from `hass` as the card has it. */
  get _language() {
    return resolveLanguage(this._hass);
  }

  /** Called with each new `hass`; subclasses load what they need. */
  _hassChanged() {}

  /** The check boxes: [{value, label, checked, testid, attrs}]. */
  _choices() {
    return [];
  }

  /** The option's value after `choice` was ticked (`checked`) or unticked. */
  _next() {
    return this._value;
  }

  /** A line under the boxes ({text, error}), or null. */
  _status() {
    return null;
  }

  _announce(value) {
    this._value = value;
    this.dispatchEvent(new CustomEvent("value-changed", { detail: { value }, bubbles: true, composed: true }));
  }

  /**
   * Brings the list in line with the value: only the boxes' ticks when the
   * same choices are shown (so that a box keeps the keyboard focus), else the
   * whole list.
   */
  _update() {
    const choices = this._choices();
    const status = this._status();
    const layout = JSON.stringify([choices.map((c) => [c.value, c.label]), status, this._label, this._helper]);
    if (layout !== this._drawn) {
      this._drawn = layout;
      this._draw(choices, status);
    }
    this._boxes.forEach((input, i) => {
      input.checked = choices[i].checked;
      input.disabled = this._disabled;
    });
  }

  _draw(choices, status) {
    this._boxes = choices.map((choice) => {
      const input = h("input", { type: "checkbox", "data-testid": choice.testid, ...choice.attrs });
      input.addEventListener("change", () => this._announce(this._next(choice, input.checked)));
      return input;
    });
    this.shadowRoot.replaceChildren(
      h("style", { text: CHECKLIST_STYLE }),
      h("div", { role: "group", "aria-label": this._label }, [
        this._label ? h("p", { className: "label", text: this._label }) : null,
        h(
          "div",
          { className: "choices", "data-testid": this._testid },
          this._boxes.map((input, i) => h("label", { className: "check" }, [input, h("span", { text: choices[i].label })])),
        ),
        status
          ? h("p", {
              className: status.error ? "status error" : "status",
              "data-testid": `${this._testid}-status`,
              text: status.text,
            })
          : null,
        this._helper ? h("p", { className: "hint", text: this._helper }) : null,
      ]),
    );
  }
}

/**
 * The `camera_ids` selector: OpenEye's cameras, listed with
 * `openeye/statistics` when Home Assistant first gives it `hass`, plus any
 * chosen id OpenEye no longer knows, so that it can be unticked.
 */
export class CamerasSelector extends ChecklistSelector {
  constructor() {
    super();
    this._testid = "openeye-editor-cameras";
    this._cameras = null;
    this._error = null;
    this._requested = false;
  }

  _hassChanged(hass) {
    if (this._requested || typeof hass?.callWS !== "function") return;
    this._requested = true;
    this._load(hass);
  }

  async _load(hass) {
    try {
      const statistics = await hass.callWS({ type: "openeye/statistics" });
      this._cameras = Array.isArray(statistics?.cameras) ? statistics.cameras : [];
      this._error = null;
    } catch (err) {
      this._cameras = [];
      this._error = err;
    }
    this._update();
  }

  _choices() {
    return editorCameraChoices(this._cameras ?? [], this._value).map((choice) => ({
      value: choice.camera_id,
      label: choice.name,
      checked: choice.checked,
      testid: "openeye-editor-camera",
      attrs: { "data-camera-id": choice.camera_id },
    }));
  }

  _next(choice, checked) {
    const order = editorCameraChoices(this._cameras ?? [], this._value).map((c) => c.camera_id);
    return toggleCamera(this._value, choice.value, checked, order);
  }

  _status() {
    const t = translator(this._language);
    if (this._cameras === null) return { text: t("editor.cameras_loading"), error: false };
    if (this._error) {
      return { text: t("editor.cameras_error", { message: errorText(this._error, this._language) }), error: true };
    }
    if (this._choices().length === 0) return { text: t("editor.cameras_none"), error: false };
    return null;
  }
}

/** The `feed_event_types` selector: the five kinds of events, the default ones ticked when the option is absent. */
export class FeedEventTypesSelector extends ChecklistSelector {
  constructor() {
    super();
    this._testid = "openeye-editor-event-types";
  }

  _choices() {
    const t = translator(this._language);
    const shown = Array.isArray(this._value) ? this._value : DEFAULT_FEED_EVENT_TYPES;
    return FEED_EVENT_TYPES.map((type) => ({
      value: type,
      label: t(`editor.event.${type}`),
      checked: shown.includes(type),
      testid: `openeye-editor-event-${type.replaceAll("_", "-")}`,
    }));
  }

  _next(choice, checked) {
    return toggleFeedEventType(this._value, choice.value, checked);
  }
}

for (const [type, element] of [
  [CAMERAS_SELECTOR, CamerasSelector],
  [FEED_EVENT_TYPES_SELECTOR, FeedEventTypesSelector],
]) {
  const tag = `ha-selector-${type}`;
  if (!customElements.get(tag)) customElements.define(tag, element);
}
