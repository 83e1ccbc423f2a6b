/**
 * Test doubles for the card's unit tests: a fake clock with timers that the
 * test advances by hand, and a fake Home Assistant connection that behaves
 * like home-assistant-js-websocket's Connection where the card depends on it.
 * Not a test file itself (node --test only runs *.test.mjs).
 */

/** Lets pending promise callbacks and setImmediate callbacks run. */
export async function flush() {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Timers whose time moves only when the test says so. */
export class FakeClock {
  constructor(start = 0) {
    this.time = start;
    this.timers = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId;
      this.nextId += 1;
      this.timers.set(id, { at: this.time + Math.max(0, ms ?? 0), fn });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
    this.now = () => this.time;
  }

  /** How many timers are waiting. */
  get pending() {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms) {
    const end = this.time + ms;
    await flush();
    for (;;) {
      let nextId = null;
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at > end) continue;
        if (next === null || timer.at < next.at || (timer.at === next.at && id < nextId)) {
          next = timer;
          nextId = id;
        }
      }
      if (next === null) break;
      this.timers.delete(nextId);
      this.time = next.at;
      next.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/**
 * A Home Assistant connection as home-assistant-js-websocket (the library
 * Home Assistant's frontend hands cards as `hass.connection`) behaves, with
 * OpenEye's server behind it:
 *
 * - `subscribeMessage(callback, message, {resubscribe})` sends the command
 *   with the next command id; the server answers (`answer`: "now", or
 *   "manual" for `answerNext()`) with a refusal when `refusal` is set, else
 *   with success followed at once by OpenEye's `connection_status` greeting,
 *   in the same socket message as the real server does;
 * - `drop()` closes the socket: the server forgets its subscriptions, command
 *   ids start again at 1, "disconnected" fires;
 * - `reconnect()` opens a new socket, sends every subscription made without
 *   `resubscribe: false` again (a refused one is lost silently, as in the
 *   library), then fires "ready";
 * - an unsubscribe function always names the command id of its latest
 *   successful (re)subscription; one called before its resubscription
 *   succeeded names an id of the old socket, which may belong to another
 *   subscription on the new one: that is counted in `staleUnsubscribes` and
 *   does the harm the real one would.
 */
export class FakeHaConnection {
  constructor({ connected = true } = {}) {
    this.connected = connected;
    this.listeners = new Map();
    this.commandId = 1;
    this.commands = new Map();
    this.oldSubscriptions = null;
    this.server = new Map();
    this.refusal = null;
    this.answer = "now";
    this.waiting = [];
    this.sent = [];
    this.staleUnsubscribes = 0;
    this.lostResubscriptions = 0;
    this.subscribedWhileDisconnected = 0;
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
  }

  removeEventListener(type, fn) {
    this.listeners.get(type)?.delete(fn);
  }

  /** How many connection listeners are registered. */
  listenerCount() {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  fire(type) {
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(this, type);
  }

  /** How many subscriptions the server holds for this connection now. */
  get held() {
    return this.server.size;
  }

  /** The subscribe messages sent so far, in order. */
  get subscriptions() {
    return this.sent;
  }

  subscribeMessage(callback, message, options) {
    if (!this.connected) this.subscribedWhileDisconnected += 1;
    let entry;
    const answered = new Promise((resolve, reject) => {
      this.commandId += 1;
      const id = this.commandId;
      entry = {
        id,
        callback,
        message,
        options,
        resolve,
        reject,
        resubscribe: options?.resubscribe === false ? null : () => this.subscribeMessage(callback, message),
        unsubscribe: () => this._unsubscribe(entry, id),
      };
      this.commands.set(id, entry);
      this.sent.push(entry);
      if (this.connected) this._send(entry);
    });
    return answered.then(() => () => entry.unsubscribe());
  }

  /** Answers the oldest subscribe command still waiting ("manual" answers). */
  answerNext(refusal = this.refusal) {
    const entry = this.waiting.shift();
    if (entry) this._answer(entry, refusal);
  }

  /** Pushes one message to every subscription the server holds. */
  push(message) {
    for (const entry of [...this.server.values()]) entry.callback(message);
  }

  /** The socket closes (Home Assistant restarts, the network drops). */
  drop() {
    this.connected = false;
    this.server.clear();
    this.waiting = [];
    this.oldSubscriptions = this.commands;
    this.commands = new Map();
    this.commandId = 1;
    this.fire("disconnected");
  }

  /** A new socket is up: the library sets every subscription up again, then fires "ready". */
  reconnect() {
    this.connected = true;
    const old = this.oldSubscriptions ?? new Map();
    this.oldSubscriptions = null;
    for (const entry of old.values()) {
      if (!entry.resubscribe) continue;
      entry.resubscribe().then(
        (unsub) => {
          entry.unsubscribe = unsub;
          entry.resolve();
        },
        () => {
          // The library attaches no handler here: the refusal is lost.
          this.lostResubscriptions += 1;
        },
      );
    }
    this.fire("ready");
  }

  _send(entry) {
    if (this.answer === "manual") this.waiting.push(entry);
    else setImmediate(() => this._answer(entry, this.refusal));
  }

  _answer(entry, refusal) {
    if (!this.connected || this.commands.get(entry.id) !== entry) return;
    if (refusal) {
      this.commands.delete(entry.id);
      entry.reject(refusal);
      return;
    }
    this.server.set(entry.id, entry);
    entry.resolve();
    entry.callback({ type: "connection_status", status: "connected", connection_id: `c${entry.id}` });
  }

  _unsubscribe(entry, id) {
    if (this.connected) {
      const holder = this.server.get(id);
      if (holder !== entry) this.staleUnsubscribes += 1;
      this.server.delete(id);
    }
    this.commands.delete(id);
    return Promise.resolve();
  }
}
