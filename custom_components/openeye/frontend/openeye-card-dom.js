/**
 * The small DOM helpers that the card and its editor share: building
 * elements, changing text and attributes only when they differ, face images
 * that hide themselves when they cannot load, and keyed list reconciliation.
 *
 * Everything here writes text with textContent and attributes with
 * setAttribute, never markup, so names and camera names from the server are
 * always shown as text.
 */

/**
 * Creates an element with attributes, listeners and children.
 *
 * `text` sets the text content, `className` the class, a function under an
 * `on…` name is added as a listener, `true` writes an empty attribute, and
 * `undefined`, `null` or `false` leave the attribute out. Falsy children are
 * skipped, so that optional parts can be written inline.
 *
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {Array<Node|string|null|undefined|false>} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Sets a node's text, touching the DOM only when it changes.
 *
 * @param {Node|null|undefined} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/**
 * Sets an attribute (or removes it for `null` and `undefined`), touching the
 * DOM only when it changes.
 *
 * @param {Element|null|undefined} node
 * @param {string} name
 * @param {unknown} value
 */
export function setAttr(node, name, value) {
  if (!node) return;
  if (value === null || value === undefined) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== String(value)) {
    node.setAttribute(name, String(value));
  }
}

/**
 * An <img> for a face that hides itself when the image cannot be loaded (an
 * expired image token, a face that was deleted meanwhile).
 *
 * @param {string|null} src
 * @param {string} testid
 * @param {string} [className]
 * @returns {HTMLImageElement}
 */
export function faceImage(src, testid, className = "thumb") {
  const img = h("img", { className, "data-testid": testid, alt: "", loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => {
    img.hidden = true;
  });
  img.addEventListener("load", () => {
    img.hidden = false;
  });
  if (src) img.src = src;
  else img.hidden = true;
  return img;
}

/**
 * Points a face image made by faceImage at another address, or hides it.
 *
 * @param {HTMLImageElement} img
 * @param {string|null} src
 */
export function setImage(img, src) {
  if (!src) {
    img.hidden = true;
    img.removeAttribute("src");
  } else if (img.getAttribute("src") !== src) {
    img.hidden = false;
    img.src = src;
  }
}

/**
 * Brings `container`'s children in line with `items`, keyed by `keyOf`:
 * existing nodes are kept (and updated only when their item object changed,
 * which the card's immutable state makes a cheap test), new ones created,
 * missing ones removed, and the order fixed with the fewest moves.
 *
 * @template T
 * @param {Element} container
 * @param {T[]} items
 * @param {(item: T) => unknown} keyOf
 * @param {(item: T) => Element} create
 * @param {(node: Element, item: T) => void} update
 */
export function reconcile(container, items, keyOf, create, update) {
  const existing = new Map();
  for (const child of Array.from(container.children)) existing.set(child._openeyeKey, child);
  items.forEach((item, index) => {
    const key = keyOf(item);
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = create(item);
      node._openeyeKey = key;
    }
    if (node._openeyeItem !== item) {
      update(node, item);
      node._openeyeItem = item;
    }
    const at = container.children[index];
    if (at !== node) container.insertBefore(node, at ?? null);
  });
  for (const node of existing.values()) node.remove();
}
