/**
 * Test doubles for the card's unit tests: a fake clock with timers that the
 * test advances by hand, a fake Home Assistant connection that fires
 * "disconnected" and "ready", and a fake `subscribe` whose answers the test
 * decides. Not a test file itself (node --test only runs *.test.mjs).
 */

/** Lets pending promise callbacks run. */
export async function flush() {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

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

export class FakeConnection {
  constructor({ connected = true } = {}) {
    this.connected = connected;
    this.listeners = new Map();
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
  }

  removeEventListener(type, fn) {
    this.listeners.get(type)?.delete(fn);
  }

  listenerCount() {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  fire(type) {
    if (type === "disconnected") this.connected = false;
    if (type === "ready") this.connected = true;
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(this, type);
  }
}

/**
 * A fake `subscribe(onMessage)`. `policy` decides each new call's answer:
 * "resolve", "reject" (with `error`) or "manual" (the test settles it via
 * `calls[i].resolve()` / `calls[i].reject(err)`). Each call records its time,
 * its message handler and how often its unsubscribe function ran.
 */
export class FakeSubscribe {
  constructor(clock, { policy = "resolve", error = { code: "too_many_subscriptions", message: "Too many" } } = {}) {
    this.clock = clock;
    this.policy = policy;
    this.error = error;
    this.calls = [];
    this.fn = (onMessage) => {
      const call = { at: clock.now(), onMessage, unsubscribed: 0 };
      const unsub = () => {
        call.unsubscribed += 1;
        return Promise.resolve();
      };
      const promise = new Promise((resolve, reject) => {
        call.resolve = () => resolve(unsub);
        call.reject = (err) => reject(err);
      });
      this.calls.push(call);
      if (this.policy === "resolve") call.resolve();
      else if (this.policy === "reject") call.reject(this.error);
      return promise;
    };
  }

  get last() {
    return this.calls.at(-1);
  }

  get totalUnsubscribed() {
    return this.calls.reduce((sum, call) => sum + call.unsubscribed, 0);
  }
}
