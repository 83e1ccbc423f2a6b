/**
 * The OpenEye card's live-update state machine, without any DOM.
 *
 * It owns one `openeye/subscribe` subscription on the frontend's own Home
 * Assistant connection and reports one of exactly three states:
 *
 * - "live": the subscription is active and pushes messages;
 * - "connecting": the frontend is reconnecting its WebSocket, or the
 *   subscription is being set up (again, with back-off after it ended);
 * - "polling": the subscription cannot be used (refused, for example with
 *   `too_many_subscriptions`, failed, or unanswered): the card's `poll`
 *   function runs now and then every `pollIntervalMs`, while the subscription
 *   is retried with back-off (1 s, 2 s, 4 s … at most 30 s); the first
 *   subscription that succeeds returns the machine to "live" by itself.
 *
 * Everything it touches is injected (the connection's events, the subscribe
 * and poll functions, timers and clock) so that tests drive it with a fake
 * clock. Each subscription attempt carries a generation number: an answer or
 * a message that belongs to an older attempt (the connection dropped, the card
 * was removed) is ignored, and a late successful subscription is unsubscribed
 * at once, so nothing is ever left behind.
 */

export const STATUS = Object.freeze({
  LIVE: "live",
  CONNECTING: "connecting",
  POLLING: "polling",
});

export const DEFAULT_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 30000;
export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const DEFAULT_SUBSCRIBE_TIMEOUT_MS = 15000;

/** The delay before retry number `attempt` (0-based): 1 s doubling up to 30 s. */
export function backoffDelay(
  attempt,
  initialMs = DEFAULT_INITIAL_BACKOFF_MS,
  maxMs = DEFAULT_MAX_BACKOFF_MS,
) {
  const n = Number.isInteger(attempt) && attempt > 0 ? attempt : 0;
  // Past 2^20 the product only overflows towards Infinity; the cap wins anyway.
  return Math.min(initialMs * 2 ** Math.min(n, 20), maxMs);
}

/** Timers and clock of the running environment, the default for the controller. */
export const realTimers = Object.freeze({
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
  now: () => Date.now(),
});

/** Calls an unsubscribe function and swallows whatever it throws or rejects with. */
function safeUnsubscribe(unsub) {
  if (typeof unsub !== "function") return;
  try {
    const result = unsub();
    if (result && typeof result.catch === "function") result.catch(() => {});
  } catch {
    // The connection may already be gone; the server drops its side then.
  }
}

export class SubscriptionController {
  /**
   * @param {object} options
   * @param {{connected?: boolean, addEventListener: Function, removeEventListener: Function}} options.connection
   *   Home Assistant's connection (only its events and `connected` are used here).
   * @param {(onMessage: (msg: object) => void) => Promise<Function>} options.subscribe
   *   Starts one subscription and resolves to its unsubscribe function.
   * @param {() => (Promise<unknown>|unknown)} [options.poll] Reads the figures once (Polling).
   * @param {(msg: object) => void} [options.onMessage] Receives each pushed message.
   * @param {(status: string, snapshot: object) => void} [options.onStatus] Told of each state change.
   * @param {{setTimeout: Function, clearTimeout: Function, now: Function}} [options.timers]
   */
  constructor({
    connection,
    subscribe,
    poll = () => {},
    onMessage = () => {},
    onStatus = () => {},
    timers = realTimers,
    pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    subscribeTimeoutMs = DEFAULT_SUBSCRIBE_TIMEOUT_MS,
    initialBackoffMs = DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs = DEFAULT_MAX_BACKOFF_MS,
  }) {
    if (!connection || typeof connection.addEventListener !== "function") {
      throw new TypeError("SubscriptionController needs a connection with addEventListener");
    }
    if (typeof subscribe !== "function") {
      throw new TypeError("SubscriptionController needs a subscribe function");
    }
    this._connection = connection;
    this._subscribe = subscribe;
    this._poll = poll;
    this._onMessage = onMessage;
    this._onStatus = onStatus;
    this._timers = timers;
    this._pollIntervalMs = pollIntervalMs;
    this._subscribeTimeoutMs = subscribeTimeoutMs;
    this._initialBackoffMs = initialBackoffMs;
    this._maxBackoffMs = maxBackoffMs;

    this._running = false;
    this._status = null;
    this._generation = 0;
    this._failures = 0;
    this._unsub = null;
    this._retryTimer = null;
    this._retryAt = null;
    this._timeoutTimer = null;
    this._pollTimer = null;
    this._polling = false;
    this._pollInFlight = false;
    this._lastError = null;

    this._handleDisconnected = () => this._disconnected();
    this._handleReady = () => this._ready();
  }

  /** The current state: "live", "connecting", "polling", or null before start. */
  get status() {
    return this._status;
  }

  /** A copy of what the controller knows, for display and tests. */
  snapshot() {
    return {
      status: this._status,
      running: this._running,
      failures: this._failures,
      retryAt: this._retryAt,
      lastError: this._lastError,
    };
  }

  /** Starts: subscribes now if the connection is up, else waits for "ready". */
  start() {
    if (this._running) return;
    this._running = true;
    this._connection.addEventListener("disconnected", this._handleDisconnected);
    this._connection.addEventListener("ready", this._handleReady);
    if (this._connection.connected === false) {
      this._setStatus(STATUS.CONNECTING);
    } else {
      this._attempt();
    }
  }

  /** Stops for good: unsubscribes, removes its listeners and leaves no timer behind. */
  stop() {
    if (!this._running) return;
    this._running = false;
    this._generation += 1;
    this._connection.removeEventListener("disconnected", this._handleDisconnected);
    this._connection.removeEventListener("ready", this._handleReady);
    this._clearRetry();
    this._clearSubscribeTimeout();
    this._stopPolling();
    const unsub = this._unsub;
    this._unsub = null;
    safeUnsubscribe(unsub);
  }

  _setStatus(status) {
    if (this._status === status) return;
    this._status = status;
    try {
      this._onStatus(status, this.snapshot());
    } catch {
      // A listener's bug must not break the state machine.
    }
  }

  _attempt() {
    if (!this._running) return;
    this._clearRetry();
    this._clearSubscribeTimeout();
    this._generation += 1;
    const generation = this._generation;
    // While polling, the figures keep coming from polls during the retry, so
    // the state stays "polling" until a subscription actually succeeds.
    if (this._status !== STATUS.POLLING) this._setStatus(STATUS.CONNECTING);

    this._timeoutTimer = this._timers.setTimeout(() => {
      this._timeoutTimer = null;
      if (generation !== this._generation || !this._running) return;
      // Invalidate the attempt: if it still succeeds later it is unsubscribed.
      this._generation += 1;
      this._failed({ code: "timeout", message: "No answer to openeye/subscribe" });
    }, this._subscribeTimeoutMs);

    let pending;
    try {
      pending = Promise.resolve(this._subscribe((msg) => this._message(generation, msg)));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (unsub) => {
        if (generation !== this._generation || !this._running) {
          safeUnsubscribe(unsub);
          return;
        }
        this._clearSubscribeTimeout();
        this._unsub = typeof unsub === "function" ? unsub : null;
        this._failures = 0;
        this._lastError = null;
        this._stopPolling();
        this._setStatus(STATUS.LIVE);
      },
      (err) => {
        if (generation !== this._generation || !this._running) return;
        this._clearSubscribeTimeout();
        this._failed(err);
      },
    );
  }

  _message(generation, msg) {
    if (generation !== this._generation || !this._running) return;
    // The server may say that it closed this subscription (OpenEye unloaded,
    // for instance): set it up again with back-off.
    if (
      msg &&
      typeof msg === "object" &&
      msg.type === "connection_status" &&
      typeof msg.status === "string" &&
      msg.status !== "connected"
    ) {
      this._lost();
      return;
    }
    try {
      this._onMessage(msg);
    } catch {
      // A malformed message must never stop the stream.
    }
  }

  _failed(err) {
    this._lastError = normalizeError(err);
    const unsub = this._unsub;
    this._unsub = null;
    safeUnsubscribe(unsub);
    this._setStatus(STATUS.POLLING);
    this._startPolling();
    this._scheduleRetry();
  }

  _lost() {
    this._generation += 1;
    const unsub = this._unsub;
    this._unsub = null;
    safeUnsubscribe(unsub);
    this._setStatus(STATUS.CONNECTING);
    this._scheduleRetry();
  }

  _scheduleRetry() {
    this._clearRetry();
    const delay = backoffDelay(this._failures, this._initialBackoffMs, this._maxBackoffMs);
    this._failures += 1;
    this._retryAt = this._timers.now() + delay;
    this._retryTimer = this._timers.setTimeout(() => {
      this._retryTimer = null;
      this._retryAt = null;
      this._attempt();
    }, delay);
  }

  _disconnected() {
    if (!this._running) return;
    this._generation += 1;
    this._clearRetry();
    this._clearSubscribeTimeout();
    this._stopPolling();
    const unsub = this._unsub;
    this._unsub = null;
    // The connection is closed: the server already dropped the subscription
    // and the library sends nothing while disconnected.
    safeUnsubscribe(unsub);
    this._setStatus(STATUS.CONNECTING);
  }

  _ready() {
    if (!this._running) return;
    this._attempt();
  }

  _startPolling() {
    if (this._polling) return;
    this._polling = true;
    const tick = () => {
      this._pollTimer = this._timers.setTimeout(tick, this._pollIntervalMs);
      this._runPoll();
    };
    tick();
  }

  _runPoll() {
    // A slow poll is not stacked on top of itself.
    if (this._pollInFlight) return;
    this._pollInFlight = true;
    let result;
    try {
      result = Promise.resolve(this._poll());
    } catch {
      result = Promise.resolve();
    }
    result
      .catch(() => {})
      .then(() => {
        this._pollInFlight = false;
      });
  }

  _stopPolling() {
    this._polling = false;
    if (this._pollTimer !== null) {
      this._timers.clearTimeout(this._pollTimer);
      this._pollTimer = null;
    }
  }

  _clearRetry() {
    if (this._retryTimer !== null) {
      this._timers.clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._retryAt = null;
  }

  _clearSubscribeTimeout() {
    if (this._timeoutTimer !== null) {
      this._timers.clearTimeout(this._timeoutTimer);
      this._timeoutTimer = null;
    }
  }
}

/** Home Assistant's errors as `{code, message}`, whatever shape they came in. */
export function normalizeError(err) {
  if (err && typeof err === "object") {
    const code = err.code ?? err.error?.code;
    const message = err.message ?? err.error?.message;
    return {
      code: code === undefined || code === null ? "unknown" : String(code),
      message: typeof message === "string" ? message : "",
    };
  }
  if (typeof err === "number") return { code: String(err), message: "" };
  if (typeof err === "string") return { code: "unknown", message: err };
  return { code: "unknown", message: "" };
}
