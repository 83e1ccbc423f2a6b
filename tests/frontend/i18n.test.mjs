// The card's translations (openeye-card-i18n.js). Run: node --test tests/frontend/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  resolveLanguage,
  STRINGS,
  translate,
  translator,
} from "../../custom_components/openeye/frontend/openeye-card-i18n.js";
import {
  CAMERA_STATUSES,
  COUNTER_KEYS,
  FEED_EVENT_TYPES,
  KNOWN_ERRORS,
  PARTS,
} from "../../custom_components/openeye/frontend/openeye-card-logic.js";
import { STATUS } from "../../custom_components/openeye/frontend/openeye-card-status.js";

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("resolveLanguage", () => {
  it("prefers the profile's locale language, then hass.language", () => {
    assert.equal(resolveLanguage({ locale: { language: "de" }, language: "fr" }), "de");
    assert.equal(resolveLanguage({ locale: {}, language: "fr" }), "fr");
    assert.equal(resolveLanguage({ language: "fr" }), "fr");
  });

  it("reduces a regional language to its base language", () => {
    assert.equal(resolveLanguage({ locale: { language: "de-CH" } }), "de");
    assert.equal(resolveLanguage({ locale: { language: "fr_BE" } }), "fr");
  });

  it("falls back to English for languages the card does not have, or none", () => {
    assert.equal(resolveLanguage({ locale: { language: "pt-BR" } }), "en");
    assert.equal(resolveLanguage({ language: "" }), "en");
    assert.equal(resolveLanguage({}), "en");
    assert.equal(resolveLanguage(undefined), "en");
    assert.equal(resolveLanguage({ locale: { language: 42 } }), "en");
  });
});

describe("translate", () => {
  it("names the three states exactly Live, Connecting and Polling in English", () => {
    const t = translator("en");
    assert.deepEqual(
      [t("status.live"), t("status.connecting"), t("status.polling")],
      ["Live", "Connecting", "Polling"],
    );
  });

  it("speaks German and French", () => {
    assert.equal(translate("de", "counter.known_people"), "Bekannte Personen");
    assert.equal(translate("fr", "counter.known_people"), "Personnes connues");
  });

  it("fills in placeholders and leaves unknown ones visible", () => {
    assert.equal(translate("en", "feed.face_recognized", { name: "Ada" }), "Ada recognized");
    assert.equal(translate("de", "camera.faces_in_view", { count: 0 }), "Gesichter im Bild: 0");
    assert.equal(translate("en", "feed.face_recognized", {}), "{name} recognized");
  });

  it("uses the singular of a counted noun where the language's plural rules say one", () => {
    assert.equal(translate("en", "teach.photos", { count: 1 }), "1 photo");
    assert.equal(translate("en", "teach.photos", { count: 2 }), "2 photos");
    assert.equal(translate("en", "teach.photos", { count: 0 }), "0 photos");
    assert.equal(translate("de", "teach.photos", { count: 1 }), "1 Foto");
    assert.equal(translate("de", "teach.photos", { count: 3 }), "3 Fotos");
    // French counts zero as singular.
    assert.equal(translate("fr", "teach.photos", { count: 0 }), "0 photo");
    assert.equal(translate("fr", "teach.photos", { count: 2 }), "2 photos");
    assert.equal(translate("pt", "teach.photos", { count: 1 }), "1 photo");
    assert.equal(translate("en", "teach.photos", { count: "1" }), "1 photos", "only numbers count");
  });

  it("falls back to English for a missing string, and to the key for an unknown one", () => {
    const strings = { en: { hello: "Hello {name}", only_en: "Only English" }, de: { hello: "Hallo {name}" } };
    assert.equal(translate("de", "hello", { name: "Ada" }, strings), "Hallo Ada");
    assert.equal(translate("de", "only_en", undefined, strings), "Only English");
    assert.equal(translate("xx", "hello", { name: "Ada" }, strings), "Hello Ada");
    assert.equal(translate("de", "missing.key", undefined, strings), "missing.key");
    assert.equal(translate("en", "no.such.key"), "no.such.key");
    assert.equal(translate("pt", "status.live"), "Live");
  });
});

describe("translation tables", () => {
  const english = Object.keys(STRINGS.en).sort();

  for (const language of Object.keys(STRINGS).filter((l) => l !== "en")) {
    it(`${language} has exactly the English keys, with the same placeholders`, () => {
      assert.deepEqual(Object.keys(STRINGS[language]).sort(), english);
      for (const key of english) {
        assert.deepEqual(placeholders(STRINGS[language][key]), placeholders(STRINGS.en[key]), `${language} ${key}`);
        assert.notEqual(STRINGS[language][key].trim(), "", `${language} ${key} is empty`);
      }
    });
  }

  it("has every string the card and its editor ask for", async () => {
    // The keys used in the card's sources, found by their literal prefixes,
    // must all exist in English (the others are checked against English above).
    const { readFile } = await import("node:fs/promises");
    const folder = new URL("../../custom_components/openeye/frontend/", import.meta.url);
    const sources = await Promise.all(
      ["openeye-card.js", "openeye-card-editor.js", "openeye-card-logic.js"].map((name) =>
        readFile(new URL(name, folder), "utf8"),
      ),
    );
    const used = new Set();
    for (const source of sources) {
      for (const match of source.matchAll(/["'`]((?:card|status|counter|last|cameras|camera|feed|teach|strangers|photo|error|editor)\.[a-z_.]+)["'`]/g)) {
        used.add(match[1]);
      }
    }
    assert.ok(used.size > 30, `only ${used.size} keys found`);
    const missing = [...used].filter((key) => !Object.hasOwn(STRINGS.en, key));
    assert.deepEqual(missing, []);
  });

  it("has the strings whose keys the card composes from its constants", () => {
    const composed = [
      ...Object.values(STATUS).map((status) => `status.${status}`),
      ...COUNTER_KEYS.map((key) => `counter.${key}`),
      ...[...CAMERA_STATUSES, "unknown"].map((status) => `camera.status.${status}`),
      ...PARTS.map((part) => `editor.show_${part}`),
      ...FEED_EVENT_TYPES.map((type) => `editor.event.${type}`),
      ...FEED_EVENT_TYPES.filter((type) => type !== "alert").map((type) => `feed.${type}`),
      ...[...KNOWN_ERRORS].map((code) => `error.${code}`),
    ];
    assert.equal(composed.length, 3 + 3 + 6 + 6 + 6 + 5 + KNOWN_ERRORS.size);
    assert.deepEqual(
      composed.filter((key) => !Object.hasOwn(STRINGS.en, key)),
      [],
    );
  });
});
