// The card's live-update controller (openeye-card-status.js), driven by a
// fake clock and a fake connection that resubscribes on reconnect as
// home-assistant-js-websocket does. Run: npm test
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  backoffDelay,
  normalizeError,
  STATUS,
  SubscriptionController,
} from "../../custom_components/openeye/frontend/openeye-card-status.js";
import { FakeClock, FakeHaConnection, flush } from "./fakes.mjs";

const REQUEST = Object.freeze({ type: "openeye/subscribe" });
const TOO_MANY = Object.freeze({ code: "too_many_subscriptions", message: "Too many" });
const UNKNOWN_COMMAND = Object.freeze({ code: "unknown_command", message: "Unknown command." });
const GREETING_TIMEOUT_MS = 10000;

/** A controller wired to fakes, recording its statuses, messages, polls and own subscribe calls. */
function setup({ refusal = null, answer = "now", connected = true, poll, onMessage } = {}) {
  const clock = new FakeClock(1_000_000);
  const connection = new FakeHaConnection({ connected });
  connection.refusal = refusal;
  connection.answer = answer;
  const statuses = [];
  const messages = [];
  const polls = [];
  const calls = [];
  const controller = new SubscriptionController({
    connection,
    subscribe: (handler) => {
      calls.push(clock.now());
      return connection.subscribeMessage(handler, { ...REQUEST });
    },
    poll:
      poll ??
      (() => {
        polls.push(clock.now());
      }),
    onMessage: onMessage ?? ((msg) => messages.push(msg)),
    onStatus: (status) => statuses.push(status),
    timers: clock,
  });
  return { clock, connection, statuses, messages, polls, calls, controller };
}

const statistics = (known) => ({ type: "statistics_update", statistics: { known_people: known } });

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
  it("subscribes at start, goes Live when OpenEye accepts, and forwards its greeting", async () => {
    const { clock, connection, statuses, messages, polls, controller } = setup();
    controller.start();
    assert.deepEqual(statuses, [STATUS.CONNECTING]);
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.LIVE]);
    assert.equal(controller.status, "live");
    assert.equal(connection.held, 1);
    assert.deepEqual(messages.map((m) => m.type), ["connection_status"]);
    assert.equal(polls.length, 0);
    // The greeting timer was cleared: nothing is left waiting while Live.
    assert.equal(clock.pending, 0);
  });

  it("switches to Polling when the subscription is refused, polling now and every 5 s", async () => {
    const { clock, calls, statuses, polls, controller } = setup({ refusal: TOO_MANY });
    const start = clock.now();
    controller.start();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
    assert.deepEqual(controller.snapshot().lastError, { code: "too_many_subscriptions", message: "Too many" });
    assert.deepEqual(polls, [start]);
    await clock.advance(15000);
    assert.deepEqual(polls, [start, start + 5000, start + 10000, start + 15000]);
    // Retries kept going meanwhile and never left Polling.
    assert.ok(calls.length > 1);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
  });

  it("retries a refused subscription after 1, 2, 4, 8, 16, 30, 30 s", async () => {
    const { clock, calls, controller } = setup({ refusal: TOO_MANY });
    controller.start();
    await flush();
    assert.equal(controller.snapshot().retryAt, clock.now() + 1000);
    await clock.advance(1000 + 2000 + 4000 + 8000 + 16000 + 30000 + 30000);
    const delays = calls.slice(1).map((time, i) => time - calls[i]);
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("returns to Live by itself when a retry succeeds, stops polling and resets the back-off", async () => {
    const { clock, connection, calls, statuses, polls, controller } = setup({ refusal: TOO_MANY });
    controller.start();
    await clock.advance(1000 + 2000); // Two refused retries.
    assert.equal(calls.length, 3);
    connection.refusal = null;
    await clock.advance(4000);
    assert.equal(calls.length, 4);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING, STATUS.LIVE]);
    assert.equal(clock.pending, 0, "no poll or retry timer is left once Live");
    const pollsWhenLive = polls.length;
    await clock.advance(60000);
    assert.equal(polls.length, pollsWhenLive);
    assert.equal(calls.length, 4);

    // The back-off starts again at 1 s: the server ends the subscription.
    connection.refusal = TOO_MANY;
    const lostAt = clock.now();
    connection.push({ type: "connection_status", status: "closed" });
    assert.equal(controller.status, STATUS.CONNECTING);
    await clock.advance(0);
    assert.equal(connection.held, 0, "the closed subscription was let go");
    await clock.advance(1000);
    assert.equal(calls.length, 5);
    assert.equal(calls.at(-1), lostAt + 1000);
    assert.equal(connection.listenerCount(), 2);
    assert.equal(connection.staleUnsubscribes, 0);
  });

  it("leaves the reconnect to the library: Connecting while the socket is down, Live on the resubscription's greeting", async () => {
    const { clock, connection, calls, statuses, messages, controller } = setup();
    controller.start();
    await flush();
    connection.push(statistics(1));
    connection.drop();
    assert.equal(controller.status, STATUS.CONNECTING);
    assert.equal(clock.pending, 0);
    // Nothing is attempted while the frontend reconnects.
    await clock.advance(120000);
    assert.equal(calls.length, 1);

    connection.reconnect();
    assert.equal(controller.status, STATUS.CONNECTING, "Connecting until OpenEye greets again");
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.LIVE, STATUS.CONNECTING, STATUS.LIVE]);
    // The card asked once; the library sent the same request again by itself.
    assert.equal(calls.length, 1);
    assert.equal(connection.sent.length, 2);
    assert.equal(connection.held, 1);
    connection.push(statistics(2));
    assert.deepEqual(
      messages.filter((m) => m.type === "statistics_update").map((m) => m.statistics.known_people),
      [1, 2],
    );
    // The greeting timer was cleared by the greeting.
    assert.equal(clock.pending, 0);
  });

  it("subscribes anew when the library's resubscription is refused, as when Home Assistant restarts before OpenEye is loaded", async () => {
    const { clock, connection, calls, statuses, polls, controller } = setup();
    controller.start();
    await flush();
    connection.drop();
    connection.refusal = UNKNOWN_COMMAND;
    connection.reconnect();
    await flush();
    assert.equal(connection.lostResubscriptions, 1, "the library lost the refusal");
    assert.equal(controller.status, STATUS.CONNECTING);

    await clock.advance(GREETING_TIMEOUT_MS);
    // The card asked again itself, and so learned why it is refused.
    assert.equal(calls.length, 2);
    assert.equal(controller.status, STATUS.POLLING);
    assert.equal(controller.snapshot().lastError.code, "unknown_command");
    assert.ok(polls.length >= 1);

    // OpenEye is loaded: the next retry goes Live.
    connection.refusal = null;
    await clock.advance(1000);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.LIVE, STATUS.CONNECTING, STATUS.POLLING, STATUS.LIVE]);
    assert.equal(connection.held, 1);
    assert.equal(connection.staleUnsubscribes, 0);
  });

  it("stops polling and retrying while disconnected, then subscribes at once when ready", async () => {
    const { clock, connection, calls, polls, controller } = setup({ refusal: TOO_MANY });
    controller.start();
    await flush();
    assert.equal(controller.status, STATUS.POLLING);
    connection.drop();
    assert.equal(controller.status, STATUS.CONNECTING);
    assert.equal(clock.pending, 0);
    const pollsBefore = polls.length;
    const callsBefore = calls.length;
    await clock.advance(60000);
    assert.equal(polls.length, pollsBefore);
    assert.equal(calls.length, callsBefore);
    connection.refusal = null;
    connection.reconnect();
    await flush();
    assert.equal(calls.length, callsBefore + 1);
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("keeps an attempt that was in flight when the connection dropped: the library sends it again", async () => {
    const { connection, calls, controller } = setup({ answer: "manual" });
    controller.start();
    connection.drop();
    connection.answer = "now";
    connection.reconnect();
    await flush();
    assert.equal(calls.length, 1);
    assert.equal(controller.status, STATUS.LIVE);
    assert.equal(connection.held, 1);
  });

  it("waits for ready when started while the connection is down, never subscribing while disconnected", async () => {
    const { connection, calls, statuses, controller } = setup({ connected: false });
    controller.start();
    await flush();
    assert.deepEqual(statuses, [STATUS.CONNECTING]);
    assert.equal(calls.length, 0);
    connection.reconnect();
    await flush();
    assert.equal(calls.length, 1);
    assert.equal(controller.status, STATUS.LIVE);
    assert.equal(connection.subscribedWhileDisconnected, 0);
  });

  it("falls back to Polling when the subscribe call is never answered, and lets a late answer go", async () => {
    const { clock, connection, statuses, controller } = setup({ answer: "manual" });
    controller.start();
    await clock.advance(GREETING_TIMEOUT_MS - 1);
    assert.equal(controller.status, STATUS.CONNECTING);
    await clock.advance(1);
    assert.deepEqual(statuses, [STATUS.CONNECTING, STATUS.POLLING]);
    assert.equal(controller.snapshot().lastError.code, "timeout");
    await clock.advance(1000); // The first retry is sent and waits too.
    assert.equal(connection.waiting.length, 2);

    connection.answerNext(); // The very late answer to the first attempt…
    await clock.advance(0);
    assert.equal(connection.held, 0, "…is unsubscribed rather than leaked");
    assert.equal(controller.status, STATUS.POLLING);
    connection.answerNext(); // The retry's answer makes the card Live.
    await flush();
    assert.equal(controller.status, STATUS.LIVE);
    assert.equal(connection.held, 1);
    assert.equal(connection.staleUnsubscribes, 0);
  });

  it("treats a subscribe function that throws like a refusal", async () => {
    const clock = new FakeClock();
    const statuses = [];
    const controller = new SubscriptionController({
      connection: new FakeHaConnection(),
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
      refusal: TOO_MANY,
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
    const { connection, controller } = setup({
      onMessage: () => {
        seen += 1;
        throw new Error("bad message");
      },
    });
    controller.start();
    await flush();
    connection.push({ type: "camera_event" });
    connection.push({ type: "camera_event" });
    assert.equal(seen, 3); // The greeting and two events.
    assert.equal(controller.status, STATUS.LIVE);
  });

  it("unsubscribes on stop and leaves no timer and no listener behind", async () => {
    const { clock, connection, messages, controller } = setup();
    controller.start();
    await flush();
    assert.equal(connection.listenerCount(), 2);
    controller.stop();
    await clock.advance(0);
    assert.equal(connection.held, 0);
    assert.equal(clock.pending, 0);
    assert.equal(connection.listenerCount(), 0);
    // Events after stop do nothing.
    connection.push(statistics(3));
    connection.fire("ready");
    assert.equal(connection.sent.length, 1);
    assert.equal(messages.filter((m) => m.type === "statistics_update").length, 0);
  });

  it("never uses an unsubscribe that may name another subscription: stopped while disconnected, it lets go after the resubscription", async () => {
    const { clock, connection, controller } = setup();
    controller.start();
    await flush();
    connection.drop();
    controller.stop();
    await clock.advance(0);
    connection.reconnect();
    await clock.advance(0);
    assert.equal(connection.staleUnsubscribes, 0);
    assert.equal(connection.held, 0, "the resubscribed subscription was let go on its greeting");
  });

  it("never uses an unsubscribe that may name another subscription: stopped before the resubscription is answered", async () => {
    const { clock, connection, controller } = setup();
    controller.start();
    await flush();
    connection.drop();
    connection.answer = "manual";
    connection.reconnect();
    controller.stop();
    await clock.advance(0);
    assert.equal(connection.staleUnsubscribes, 0);
    connection.answerNext();
    await clock.advance(0);
    assert.equal(connection.staleUnsubscribes, 0);
    assert.equal(connection.held, 0);
  });

  it("leaves no timer behind when stopped while polling, and lets an attempt in flight go when it is answered", async () => {
    const { clock, connection, polls, controller } = setup({ refusal: TOO_MANY });
    controller.start();
    await clock.advance(1500);
    assert.equal(controller.status, STATUS.POLLING);
    connection.answer = "manual";
    connection.refusal = null;
    await clock.advance(2000); // The retry at 3 s is now in flight.
    controller.stop();
    assert.equal(clock.pending, 0);
    const pollsAtStop = polls.length;
    connection.answerNext();
    await clock.advance(60000);
    assert.equal(connection.held, 0);
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
