/**
 * The visual editor of the OpenEye card (`openeye-card-editor`).
 *
 * Home Assistant calls `setConfig` with the card's configuration and sets
 * `hass`; each change the user makes is turned into a new configuration by
 * the pure `applyEditorChange` and announced with a `config-changed` event.
 * The list of cameras comes from `openeye/statistics`. Plain native controls
 * are used so that the editor does not depend on Home Assistant's internal
 * elements being loaded.
 */

import { h } from "./openeye-card-dom.js";
import { resolveLanguage, translator } from "./openeye-card-i18n.js";
import {
  applyEditorChange,
  DEFAULT_FEED_EVENT_TYPES,
  DEFAULT_FEED_SIZE,
  editorCameraChoices,
  errorText,
  FEED_EVENT_TYPES,
  MAX_FEED_SIZE,
  PARTS,
} from "./openeye-card-logic.js";

const EDITOR_TAG = "openeye-card-editor";

const STYLE = `
  :host { display: block; color: var(--primary-text-color); }
  [hidden] { display: none !important; }
  .editor { display: flex; flex-direction: column; gap: 16px; }
  fieldset { border: 1px solid var(--divider-color); border-radius: 8px; margin: 0; padding: 8px 12px 12px; min-width: 0; }
  legend { padding: 0 4px; font-weight: 500; }
  .choices { display: flex; flex-wrap: wrap; gap: 4px 16px; }
  .check { display: inline-flex; align-items: center; gap: 6px; min-height: 36px; cursor: pointer; }
  .field { display: flex; flex-direction: column; gap: 4px; }
  .hint { margin: 4px 0 0; font-size: 0.85em; color: var(--secondary-text-color); }
  .error { margin: 4px 0 0; font-size: 0.85em; color: var(--error-color, #db4437); }
  input[type="text"], input[type="number"] {
    font: inherit; font-size: 1rem; color: var(--primary-text-color); background: var(--card-background-color, transparent);
    border: 1px solid var(--divider-color); border-radius: 6px; padding: 6px 8px; width: 100%; box-sizing: border-box;
  }
  input[type="checkbox"] { accent-color: var(--primary-color); width: 18px; height: 18px; margin: 0; }
`;

function checkbox(label, testid, onChange, extra = {}) {
  const input = h("input", { type: "checkbox", "data-testid": testid, ...extra });
  input.addEventListener("change", () => onChange(input.checked));
  return { input, label: h("label", { className: "check" }, [input, h("span", { text: label })]) };
}

class OpenEyeCardEditor extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = {};
    this._hass = null;
    this._lang = null;
    this._cameras = null;
    this._camerasError = null;
    this._requested = false;
    this._refs = null;
  }

  setConfig(config) {
    this._config = config && typeof config === "object" ? { ...config } : {};
    this._update();
  }

  set hass(hass) {
    this._hass = hass;
    const lang = resolveLanguage(hass);
    if (lang !== this._lang) {
      this._lang = lang;
      this._build();
    }
    if (!this._requested && hass?.callWS) {
      this._requested = true;
      this._loadCameras();
    }
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    if (!this._refs) this._build();
  }

  async _loadCameras() {
    try {
      const statistics = await this._hass.callWS({ type: "openeye/statistics" });
      this._cameras = Array.isArray(statistics?.cameras) ? statistics.cameras : [];
      this._camerasError = null;
    } catch (err) {
      this._cameras = [];
      this._camerasError = err;
    }
    this._update();
  }

  _change(change) {
    const config = applyEditorChange(this._config, change);
    this._config = config;
    this._update();
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }

  _build() {
    const t = translator(this._lang ?? "en");
    const refs = { parts: {}, types: {} };
    refs.title = h("input", { type: "text", "data-testid": "openeye-editor-title", placeholder: t("card.title") });
    refs.title.addEventListener("input", () => this._change({ kind: "title", value: refs.title.value }));

    refs.cameras = h("div", { className: "choices", "data-testid": "openeye-editor-cameras" });
    refs.camerasStatus = h("p", { className: "hint", "data-testid": "openeye-editor-cameras-status" });

    const parts = PARTS.map((part) => {
      const box = checkbox(t(`editor.show_${part}`), `openeye-editor-show-${part.replaceAll("_", "-")}`, (checked) =>
        this._change({ kind: "part", part, checked }),
      );
      refs.parts[part] = box.input;
      return box.label;
    });

    refs.feedSize = h("input", {
      type: "number",
      min: 1,
      max: MAX_FEED_SIZE,
      step: 1,
      inputmode: "numeric",
      "data-testid": "openeye-editor-feed-size",
    });
    refs.feedSize.addEventListener("change", () => this._change({ kind: "feed_size", value: refs.feedSize.value }));

    const types = FEED_EVENT_TYPES.map((type) => {
      const box = checkbox(t(`editor.event.${type}`), `openeye-editor-event-${type.replaceAll("_", "-")}`, (checked) =>
        this._change({ kind: "feed_event_type", event_type: type, checked }),
      );
      refs.types[type] = box.input;
      return box.label;
    });

    const root = h("div", { className: "editor" }, [
      h("label", { className: "field" }, [h("span", { text: t("editor.title") }), refs.title]),
      h("fieldset", {}, [
        h("legend", { text: t("editor.cameras") }),
        refs.cameras,
        refs.camerasStatus,
        h("p", { className: "hint", text: t("editor.cameras_hint") }),
      ]),
      h("fieldset", {}, [h("legend", { text: t("editor.parts") }), h("div", { className: "choices" }, parts)]),
      h("fieldset", {}, [
        h("legend", { text: t("editor.show_feed") }),
        h("label", { className: "field" }, [h("span", { text: t("editor.feed_size") }), refs.feedSize]),
        h("p", { className: "hint", text: t("editor.feed_event_types") }),
        h("div", { className: "choices" }, types),
      ]),
    ]);
    this.shadowRoot.replaceChildren(h("style", { text: STYLE }), root);
    this._refs = refs;
    this._camerasKey = null;
    this._update();
  }

  /** Brings the controls in line with the configuration, without disturbing a field being typed in. */
  _update() {
    const refs = this._refs;
    if (!refs) return;
    const t = translator(this._lang ?? "en");
    const config = this._config;
    const focused = this.shadowRoot.activeElement;

    const title = typeof config.title === "string" ? config.title : "";
    if (focused !== refs.title && refs.title.value !== title) refs.title.value = title;

    for (const part of PARTS) refs.parts[part].checked = config[`show_${part}`] !== false;

    const size = Number.isInteger(config.feed_size) ? config.feed_size : DEFAULT_FEED_SIZE;
    if (focused !== refs.feedSize) refs.feedSize.value = String(size);

    const shown = Array.isArray(config.feed_event_types) ? config.feed_event_types : DEFAULT_FEED_EVENT_TYPES;
    for (const type of FEED_EVENT_TYPES) refs.types[type].checked = shown.includes(type);

    const choices = editorCameraChoices(this._cameras ?? [], config);
    const key = JSON.stringify(choices);
    if (key !== this._camerasKey) {
      this._camerasKey = key;
      const available = choices.map((choice) => choice.camera_id);
      refs.cameras.replaceChildren(
        ...choices.map((choice) => {
          const box = checkbox(
            choice.name,
            "openeye-editor-camera",
            (checked) => this._change({ kind: "camera", camera_id: choice.camera_id, checked, available }),
            { "data-camera-id": choice.camera_id },
          );
          box.input.checked = choice.checked;
          return box.label;
        }),
      );
    }
    let status = "";
    if (this._cameras === null) status = t("editor.cameras_loading");
    else if (this._camerasError) status = t("editor.cameras_error", { message: errorText(this._camerasError, this._lang) });
    else if (choices.length === 0) status = t("editor.cameras_none");
    refs.camerasStatus.textContent = status;
    refs.camerasStatus.hidden = status === "";
    refs.camerasStatus.className = this._camerasError ? "error" : "hint";
  }
}

if (!customElements.get(EDITOR_TAG)) customElements.define(EDITOR_TAG, OpenEyeCardEditor);

export { OpenEyeCardEditor };
