// The card's live-update state machine (openeye-card-status.js), driven by a
// fake clock, a fake connection and a fake subscribe. Run: node --test tests/frontend/
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  backoffDelay,
  normalizeError,
  STATUS,
  SubscriptionController,
} from "../../custom_components/openeye/frontend/openeye-card-status.js";
import { FakeClock, FakeConnection, FakeSubscribe, flush } from "./fakes.mjs";

/** A controller wired to fakes, recording its statuses, messages and polls. */
function setup({ policy = "resolve", connected = true, poll, onMessage } = {}) {
  const clock = new FakeClock(1_000_000);
  const connection = new FakeConnection({ connected });
  const subscribe = new FakeSubscribe(clock, { policy });
  const statuses = [];
  const messages = [];
  const polls = [];
  const controller = new SubscriptionController({
    connection,
    subscribe: subscribe.fn,
    poll:
      poll ??
      (() => {
        polls.push(clock.now());
      }),
    onMessage: onMessage ?? ((msg) => messages.push(msg)),
    onStatus: (status) => statuses.push(status),
    timers: clock,
  });
  return { clock, connection, subscribe, statuses, messages, polls, controller };
}

describe("backoffDelay", () => {
  it("doubles from 1 s and stops at 30 s", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(n)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000],
    );
  });

  it("treats a negative or broken attempt number as the first", () => {
    assert.equal(backoffDelay(-3), 1000);
    assert.equal(backoffDelay(Number.NaN), 1000);
  });
});

describe("SubscriptionController", () => {
  it("subscribes at start and goes Live when the subscription succeeds", async () => {
    const { clock, subscribe, statuses, polls, controller } = setup();
    controller.start();
    assert.deepEqual(statuses, [STATUS.CONNECTING]);
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.LIVE]);
    assert.equal(controller.status, "live");
    assert.equal(subscribe.calls.length, 1);
    assert.equal(polls.length, 0);
    // The subscribe timeout was cleared: nothing is left waiting while Live.
    assert.equal(clock.pending, 0);
  });

  it("forwards pushed messages, including those that arrive before the subscribe answer", async () => {
    const { subscribe, messages, controller } = setup({ policy: "manual" });
    controller.start();
    // Home Assistant sends the result, then the first events in the same
    // socket message: the events can reach the handler first.
    subscribe.last.onMessage({ type: "connection_status", status: "connected", connection_id: "c1" });
    subscribe.last.resolve();
    await flush();
    subscribe.last.onMessage({ type: "statistics_update", statistics: { known_people: 2 } });
    assert.deepEqual(
      messages.map((m) => m.type),
      ["connection_status", "statistics_update"],
    );
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("switches to Polling when the subscription is refused, polling now and every 5 s", async () => {
    const { clock, subscribe, statuses, polls, controller } = setup({ policy: "reject" });
    const start = clock.now();
    controller.start();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
    assert.deepEqual(controller.snapshot().lastError, {
      code: "too_many_subscriptions",
      message: "Too many",
    });
    assert.deepEqual(polls, [start]);
    await clock.advance(15000);
    assert.deepEqual(polls, [start, start + 5000, start + 10000, start + 15000]);
    // Retries kept going meanwhile and never left Polling.
    assert.ok(subscribe.calls.length > 1);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
  });

  it("retries a refused subscription after 1, 2, 4, 8, 16, 30, 30 s", async () => {
    const { clock, subscribe, controller } = setup({ policy: "reject" });
    controller.start();
    await flush();
    assert.equal(controller.snapshot().retryAt, clock.now() + 1000);
    await clock.advance(1000 + 2000 + 4000 + 8000 + 16000 + 30000 + 30000);
    const times = subscribe.calls.map((call) => call.at);
    const delays = times.slice(1).map((time, i) => time - times[i]);
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("returns to Live by itself when a retry succeeds, stops polling and resets the back-off", async () => {
    const { clock, connection, subscribe, statuses, polls, controller } = setup({ policy: "reject" });
    controller.start();
    await clock.advance(1000 + 2000); // Two refused retries.
    assert.equal(subscribe.calls.length, 3);
    subscribe.policy = "resolve";
    await clock.advance(4000);
    assert.equal(subscribe.calls.length, 4);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING, STATUS.LIVE]);
    assert.equal(clock.pending, 0, "no poll or retry timer is left once Live");
    const pollsWhenLive = polls.length;
    await clock.advance(60000);
    assert.equal(polls.length, pollsWhenLive);
    assert.equal(subscribe.calls.length, 4);

    // The back-off starts again at 1 s: the server ends the subscription.
    subscribe.policy = "reject";
    const lostAt = clock.now();
    subscribe.last.onMessage({ type: "connection_status", status: "closed" });
    assert.equal(controller.status, STATUS.CONNECTING);
    assert.equal(subscribe.calls[3].unsubscribed, 1);
    await clock.advance(1000);
    assert.equal(subscribe.calls.length, 5);
    assert.equal(subscribe.last.at, lostAt + 1000);
    assert.equal(connection.listenerCount(), 2);
  });

  it("goes Connecting on disconnect and re-subscribes to Live when the connection is ready", async () => {
    const { clock, connection, subscribe, statuses, messages, controller } = setup();
    controller.start();
    await flush();
    const first = subscribe.last;
    connection.fire("disconnected");
    assert.equal(controller.status, STATUS.CONNECTING);
    assert.equal(first.unsubscribed, 1);
    assert.equal(clock.pending, 0);
    // Nothing is attempted while the frontend reconnects.
    await clock.advance(120000);
    assert.equal(subscribe.calls.length, 1);

    subscribe.policy = "manual";
    connection.fire("ready");
    assert.equal(subscribe.calls.length, 2);
    assert.equal(controller.status, STATUS.CONNECTING);
    subscribe.last.resolve();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.LIVE, STATUS.CONNECTING, STATUS.LIVE]);

    // Messages of the old subscription are ignored; the new one's arrive.
    first.onMessage({ type: "statistics_update", statistics: { known_people: 1 } });
    subscribe.last.onMessage({ type: "statistics_update", statistics: { known_people: 2 } });
    assert.deepEqual(
      messages.map((m) => m.statistics.known_people),
      [2],
    );
  });

  it("stops polling while disconnected, then retries at once when ready", async () => {
    const { clock, connection, subscribe, polls, controller } = setup({ policy: "reject" });
    controller.start();
    await flush();
    assert.equal(controller.status, STATUS.POLLING);
    connection.fire("disconnected");
    assert.equal(controller.status, STATUS.CONNECTING);
    assert.equal(clock.pending, 0);
    const pollsBefore = polls.length;
    const callsBefore = subscribe.calls.length;
    await clock.advance(60000);
    assert.equal(polls.length, pollsBefore);
    assert.equal(subscribe.calls.length, callsBefore);
    subscribe.policy = "resolve";
    connection.fire("ready");
    await flush();
    assert.equal(subscribe.calls.length, callsBefore + 1);
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("ignores an attempt that was in flight when the connection dropped", async () => {
    const { connection, subscribe, controller } = setup({ policy: "manual" });
    controller.start();
    const stale = subscribe.last;
    connection.fire("disconnected");
    connection.fire("ready");
    const fresh = subscribe.last;
    assert.notEqual(stale, fresh);
    stale.resolve();
    await flush();
    // The stale subscription is cancelled and does not make the card Live.
    assert.equal(stale.unsubscribed, 1);
    assert.equal(controller.status, STATUS.CONNECTING);
    fresh.resolve();
    await flush();
    assert.equal(controller.status, STATUS.LIVE);
    assert.equal(fresh.unsubscribed, 0);
  });

  it("waits for ready when started while the connection is down", async () => {
    const { connection, subscribe, statuses, controller } = setup({ connected: false });
    controller.start();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING]);
    assert.equal(subscribe.calls.length, 0);
    connection.fire("ready");
    await flush();
    assert.equal(subscribe.calls.length, 1);
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("falls back to Polling when the subscribe call is never answered", async () => {
    const { clock, subscribe, statuses, controller } = setup({ policy: "manual" });
    controller.start();
    await clock.advance(14999);
    assert.equal(controller.status, STATUS.CONNECTING);
    await clock.advance(1);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
    assert.equal(controller.snapshot().lastError.code, "timeout");
    // A very late success is unsubscribed rather than leaked.
    subscribe.calls[0].resolve();
    await flush();
    assert.equal(subscribe.calls[0].unsubscribed, 1);
    assert.equal(controller.status, STATUS.POLLING);
  });

  it("treats a subscribe function that throws like a refusal", async () => {
    const clock = new FakeClock();
    const statuses = [];
    const controller = new SubscriptionController({
      connection: new FakeConnection(),
      subscribe: () => {
        throw new Error("subscribeMessage is not a function");
      },
      onStatus: (status) => statuses.push(status),
      timers: clock,
    });
    controller.start();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
    controller.stop();
    assert.equal(clock.pending, 0);
  });

  it("does not stack polls while one is still running", async () => {
    let calls = 0;
    const { clock, controller } = setup({
      policy: "reject",
      poll: () => {
        calls += 1;
        return new Promise(() => {});
      },
    });
    controller.start();
    await clock.advance(30000);
    assert.equal(calls, 1);
    controller.stop();
  });

  it("keeps going when a message handler throws", async () => {
    let seen = 0;
    const { subscribe, controller } = setup({
      onMessage: () => {
        seen += 1;
        throw new Error("bad message");
      },
    });
    controller.start();
    await flush();
    subscribe.last.onMessage({ type: "camera_event" });
    subscribe.last.onMessage({ type: "camera_event" });
    assert.equal(seen, 2);
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("unsubscribes on stop and leaves no timer and no listener behind", async () => {
    const { clock, connection, subscribe, controller } = setup();
    controller.start();
    await flush();
    assert.equal(connection.listenerCount(), 2);
    controller.stop();
    assert.equal(subscribe.last.unsubscribed, 1);
    assert.equal(clock.pending, 0);
    assert.equal(connection.listenerCount(), 0);
    // Events after stop do nothing.
    connection.fire("ready");
    assert.equal(subscribe.calls.length, 1);
  });

  it("leaves no timer behind when stopped while polling, and cancels an attempt in flight", async () => {
    const { clock, subscribe, polls, controller } = setup({ policy: "reject" });
    controller.start();
    await clock.advance(1500);
    assert.equal(controller.status, STATUS.POLLING);
    subscribe.policy = "manual";
    await clock.advance(2000); // The retry at 3 s is now in flight.
    const inFlight = subscribe.last;
    controller.stop();
    assert.equal(clock.pending, 0);
    const pollsAtStop = polls.length;
    inFlight.resolve();
    await clock.advance(60000);
    assert.equal(inFlight.unsubscribed, 1);
    assert.equal(polls.length, pollsAtStop);
  });
});

describe("normalizeError", () => {
  it("reads Home Assistant's error objects, numbers and strings", () => {
    assert.deepEqual(normalizeError({ code: "not_found", message: "No such person" }), {
      code: "not_found",
      message: "No such person",
    });
    assert.deepEqual(normalizeError({ error: { code: "unauthorized", message: "Admin" } }), {
      code: "unauthorized",
      message: "Admin",
    });
    assert.deepEqual(normalizeError(3), { code: "3", message: "" });
    assert.deepEqual(normalizeError("boom"), { code: "unknown", message: "boom" });
    assert.deepEqual(normalizeError(undefined), { code: "unknown", message: "" });
  });
});
