/**
 * OpenEye's brand images in a real Home Assistant frontend, in headless Chromium.
 *
 * Run by scripts/brand_screenshot.sh against the Home Assistant it started (a
 * fresh configuration folder with OpenEye, not yet onboarded). It creates the
 * owner through the onboarding API and OpenEye's entry through its config
 * flow, then:
 *
 * 1. fetches /api/brands/integration/openeye/<image> for every image Home
 *    Assistant allows, with the owner's token and without, and compares the
 *    bytes with custom_components/openeye/brand/ (following Home Assistant's
 *    fallbacks: dark_icon.png is icon.png when there is no dark icon);
 * 2. logs in through the login page and takes screenshots, light and dark, of
 *    Settings > Devices & services, of OpenEye's integration page and of the
 *    Add integration dialog filtered to OpenEye, recording for each the <img>
 *    elements that show OpenEye's brand: their address, whether they loaded,
 *    their natural and shown sizes.
 *
 * Everything it finds goes to <version>-checks.json beside the screenshots.
 * Environment: BRAND_URL, BRAND_DIR (the brand folder to compare with),
 * BRAND_WORK (a folder for the browser's fresh profile), BRAND_ARTIFACTS.
 */

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";

const url = process.env.BRAND_URL;
const brandDir = process.env.BRAND_DIR;
const work = process.env.BRAND_WORK;
const artifacts = process.env.BRAND_ARTIFACTS;
const clientId = `${url}/`;
const username = "owner";
const password = `${randomUUID()}-A1`;

// Home Assistant's frontend is large; on two busy cores its first load takes a while.
const LOAD_TIMEOUT_MS = 90000;
// How long an image may take to load (or fail) once its <img> is there.
const IMAGE_TIMEOUT_MS = 15000;
// Flags for a closed network: no background traffic, no QUIC, no updates.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// The images /api/brands/integration serves and the files it falls back to
// (homeassistant/components/brands/const.py, 2026.3 and later).
const IMAGES = {
  "icon.png": ["icon.png"],
  "icon@2x.png": ["icon@2x.png", "icon.png"],
  "logo.png": ["logo.png", "icon.png"],
  "logo@2x.png": ["logo@2x.png", "logo.png", "icon.png"],
  "dark_icon.png": ["dark_icon.png", "icon.png"],
  "dark_icon@2x.png": ["dark_icon@2x.png", "icon@2x.png", "icon.png"],
  "dark_logo.png": ["dark_logo.png", "dark_icon.png", "logo.png", "icon.png"],
  "dark_logo@2x.png": ["dark_logo@2x.png", "dark_icon@2x.png", "logo@2x.png", "logo.png", "icon.png"],
};
// The <img> elements that show OpenEye's brand, whichever place they come from.
const BRAND_IMG = 'img[src*="/openeye/"]';

function step(message) {
  console.log(`  - ${message}`);
}

async function request(method, urlPath, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  const response = await fetch(`${url}${urlPath}`, { method, headers, body });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${urlPath} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Creates the owner and finishes onboarding as the onboarding page does; returns a token. */
async function onboard() {
  const created = await request("POST", "/api/onboarding/users", {
    json: { client_id: clientId, name: "Owner", username, password, language: "en" },
  });
  const tokens = await request("POST", "/auth/token", {
    form: { grant_type: "authorization_code", code: created.auth_code, client_id: clientId },
  });
  const token = tokens.access_token;
  const steps = Object.fromEntries((await request("GET", "/api/onboarding")).map((s) => [s.step, s.done]));
  if (!steps.analytics) await request("POST", "/api/onboarding/analytics", { token, json: {} });
  if (!steps.integration) {
    await request("POST", "/api/onboarding/integration", {
      token,
      json: { client_id: clientId, redirect_uri: clientId },
    });
  }
  return token;
}

/** Sets OpenEye up through its config flow; returns what the flow answered and the entry. */
async function addOpenEye(token) {
  const flow = await request("POST", "/api/config/config_entries/flow", { token, json: { handler: "openeye" } });
  let result = flow;
  if (flow.type === "form") {
    result = await request("POST", `/api/config/config_entries/flow/${flow.flow_id}`, {
      token,
      json: { name: "OpenEye" },
    });
  }
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  let entries = [];
  while (result.type === "create_entry" && Date.now() < deadline) {
    entries = await request("GET", "/api/config/config_entries/entry?domain=openeye", { token });
    if (entries[0]?.state === "loaded") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    flow: { first_step: flow.step_id ?? flow.type, type: result.type, reason: result.reason, errors: result.errors },
    entry: entries[0] ? { title: entries[0].title, state: entries[0].state } : null,
  };
}

function readBrand(name) {
  try {
    return readFileSync(path.join(brandDir, name));
  } catch {
    return null;
  }
}

/** Fetches every brand image with the token and without; compares the bytes with the files. */
async function checkBrandUrls(token) {
  const results = [];
  for (const [image, chain] of Object.entries(IMAGES)) {
    const address = `/api/brands/integration/openeye/${image}`;
    const response = await fetch(`${url}${address}`, { headers: { Authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await response.arrayBuffer());
    const file = chain.find((name) => readBrand(name) !== null) ?? null;
    const anonymous = await fetch(`${url}${address}`);
    await anonymous.arrayBuffer();
    results.push({
      url: address,
      status: response.status,
      content_type: response.headers.get("content-type"),
      bytes: bytes.length,
      expected_file: file,
      equals_file: file !== null && response.status === 200 && bytes.equals(readBrand(file)),
      status_without_token: anonymous.status,
    });
  }
  return results;
}

/** What each <img> of OpenEye's brand on the page is: address, loaded or not, sizes. */
async function brandImages(page) {
  const images = page.locator(BRAND_IMG);
  const deadline = Date.now() + IMAGE_TIMEOUT_MS;
  // Wait until every image has loaded or failed.
  while (Date.now() < deadline) {
    const pending = await images.evaluateAll((nodes) => nodes.filter((n) => !n.complete).length);
    if (pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return images.evaluateAll((nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return {
        src: node.currentSrc || node.src,
        loaded: node.complete && node.naturalWidth > 0,
        natural: `${node.naturalWidth}x${node.naturalHeight}`,
        shown: `${Math.round(box.width)}x${Math.round(box.height)}`,
        in: node.getRootNode().host?.localName ?? "document",
      };
    }),
  );
}

async function shoot(page, name, options = {}) {
  const file = path.join(artifacts, name);
  await (options.locator ?? page).screenshot({ path: file, ...(options.locator ? {} : { fullPage: true }) });
  step(`screenshot ${path.relative(process.cwd(), file)}`);
  return file;
}

async function logIn(page) {
  await page.goto(`${url}/`);
  await page.getByRole("textbox", { name: "Username" }).fill(username);
  await page.getByRole("textbox", { name: "Password" }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((address) => !address.pathname.startsWith("/auth/"), { timeout: LOAD_TIMEOUT_MS });
  // The frontend trades the code in the address for tokens and keeps them;
  // leaving the page before that would lose the session.
  await page.waitForFunction(() => localStorage.getItem("hassTokens") !== null, null, {
    timeout: LOAD_TIMEOUT_MS,
  });
}

/**
 * Keeps the HTTP settings from configuration.yaml. Home Assistant 2026.10 moves
 * them into its storage as a trial that the owner must confirm (its dialog
 * would cover the pages) or that it reverts, with a restart, five minutes
 * later; this is that dialog's Confirm. Earlier versions have no such command.
 */
async function confirmHttpSettings(page) {
  await page.waitForFunction(() => document.querySelector("home-assistant")?.hass?.connection, null, {
    timeout: LOAD_TIMEOUT_MS,
  });
  return page.evaluate(async () => {
    try {
      await document.querySelector("home-assistant").hass.callWS({ type: "http/config/promote" });
      return "confirmed";
    } catch (error) {
      return `not confirmed: ${error.code ?? error.message}`;
    }
  });
}

/** Opens a page of the frontend and waits until OpenEye's card or title is there. */
async function open(page, address, text) {
  await page.goto(`${url}${address}`);
  await page.getByText(text, { exact: true }).first().waitFor({ timeout: LOAD_TIMEOUT_MS });
  // Let the cards settle (they fade in) and the images arrive.
  await page.waitForTimeout(1500);
}

/**
 * One page with every brand image as Home Assistant serves it, at its natural
 * size on a light and on a dark background, with the access token the
 * frontend itself uses for /api/brands (none before 2026.3, where it is 404).
 */
async function brandSheet(page, prefix) {
  const token = await page.evaluate(async () => {
    try {
      return (await document.querySelector("home-assistant").hass.callWS({ type: "brands/access_token" })).token;
    } catch {
      return null;
    }
  });
  const cells = Object.keys(IMAGES)
    .map((image) => {
      const src = `${url}/api/brands/integration/openeye/${image}${token ? `?token=${token}` : ""}`;
      const background = image.startsWith("dark_") ? "#111" : "#fafafa";
      const color = image.startsWith("dark_") ? "#eee" : "#111";
      return `<figure style="background:${background};color:${color}"><img src="${src}"><figcaption>${image}</figcaption></figure>`;
    })
    .join("");
  // A page of Home Assistant's own origin: Chromium refuses loopback images
  // to pages of other origins (about:blank included).
  await page.goto(`${url}/manifest.json`);
  await page.evaluate((html) => {
    document.open();
    document.write(html);
    document.close();
  }, `<style>body{margin:0;width:max-content;font:14px sans-serif}figure{margin:0;padding:12px}img{display:block}</style>${cells}`);
  const sheet = { file: null, images: await brandImages(page) };
  sheet.file = await shoot(page, `${prefix}-brand-urls.png`);
  return sheet;
}

async function screenshots(page, prefix, scheme) {
  const shots = {};
  const suffix = scheme === "dark" ? "-dark" : "";
  await page.emulateMedia({ colorScheme: scheme });

  await open(page, "/config/integrations/dashboard", "OpenEye");
  shots.integrations = { file: await shoot(page, `${prefix}-integrations${suffix}.png`), images: await brandImages(page) };
  const card = page.locator("ha-integration-card").filter({ hasText: "OpenEye" }).first();
  if ((await card.count()) > 0) {
    shots.integrations.card = await shoot(page, `${prefix}-integrations-card${suffix}.png`, { locator: card });
  }

  await open(page, "/config/integrations/integration/openeye", "OpenEye");
  shots.integration_page = {
    file: await shoot(page, `${prefix}-integration-page${suffix}.png`),
    images: await brandImages(page),
  };
  // Home Assistant hides an image that failed to load: no close-up then.
  const header = page.locator(BRAND_IMG).first();
  if ((await header.count()) > 0 && (await header.isVisible())) {
    shots.integration_page.icon = await shoot(page, `${prefix}-integration-page-icon${suffix}.png`, {
      locator: header,
    });
  }

  await open(page, "/config/integrations/dashboard", "OpenEye");
  await page.getByRole("button", { name: "Add integration" }).first().click();
  // The dialog opens with its search field focused, as for a user.
  await page.getByText("Select brand").first().waitFor({ timeout: LOAD_TIMEOUT_MS });
  await page.waitForTimeout(500);
  await page.keyboard.type("OpenEye");
  await page.waitForTimeout(2000);
  shots.add_integration = {
    file: await shoot(page, `${prefix}-add-integration${suffix}.png`),
    images: await brandImages(page),
  };
  await page.keyboard.press("Escape");
  return shots;
}

const token = await onboard();
const config = await request("GET", "/api/config", { token });
const prefix = `ha${config.version}`;
step(`Home Assistant ${config.version}: the owner is onboarded`);
const openeye = await addOpenEye(token);
step(`OpenEye's config flow: ${JSON.stringify(openeye)}`);
const urls = await checkBrandUrls(token);
for (const check of urls) {
  step(
    `${check.url}: ${check.status} ${check.content_type}, ${check.bytes} bytes` +
      (check.status === 200 ? `, ${check.equals_file ? "equal to" : "DIFFERENT from"} brand/${check.expected_file}` : "") +
      `; without a token ${check.status_without_token}`,
  );
}

const context = await chromium.launchPersistentContext(path.join(work, "chromium"), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: CHROMIUM_ARGS,
  // Chromium keeps crash reports and caches under XDG folders; they go to the
  // work folder too, so that nothing is left in the home folder.
  env: {
    ...process.env,
    XDG_CONFIG_HOME: path.join(work, "xdg-config"),
    XDG_CACHE_HOME: path.join(work, "xdg-cache"),
  },
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
const requests = [];
page.on("requestfinished", async (req) => {
  if (req.url().includes("openeye") && req.resourceType() === "image") {
    const response = await req.response();
    requests.push({ url: req.url().replace(/token=[^&]+/, "token=…"), status: response?.status() });
  }
});
page.on("requestfailed", (req) => {
  if (req.url().includes("openeye") && req.resourceType() === "image") {
    requests.push({ url: req.url().replace(/token=[^&]+/, "token=…"), failure: req.failure()?.errorText });
  }
});
const report = { version: config.version, openeye, urls };
try {
  await logIn(page);
  step("logged in through the login page");
  report.http_settings = await confirmHttpSettings(page);
  step(`HTTP settings from configuration.yaml: ${report.http_settings}`);
  report.light = await screenshots(page, prefix, "light");
  report.dark = await screenshots(page, prefix, "dark");
  await page.emulateMedia({ colorScheme: "light" });
  report.sheet = { brand_urls: await brandSheet(page, prefix) };
} catch (error) {
  console.log(`  - failed at ${page.url()}`);
  await shoot(page, `${prefix}-failure.png`).catch(() => {});
  throw error;
} finally {
  report.image_requests = [...new Map(requests.map((r) => [JSON.stringify(r), r])).values()];
  writeFileSync(path.join(artifacts, `${prefix}-checks.json`), `${JSON.stringify(report, null, 2)}\n`);
  await context.close();
}
for (const [scheme, shots] of [["light", report.light], ["dark", report.dark], ["sheet", report.sheet]]) {
  for (const [where, shot] of Object.entries(shots)) {
    for (const image of shot.images) {
      step(
        `${scheme} ${where}: <img> in ${image.in} ${image.src.replace(/token=[^&]+/, "token=…")} ` +
          `${image.loaded ? "loaded" : "NOT loaded"}, natural ${image.natural}, shown ${image.shown}`,
      );
    }
  }
}
