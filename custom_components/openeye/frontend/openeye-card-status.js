/**
 * What the OpenEye card shows about its live updates, without any DOM.
 *
 * The card holds one `openeye/subscribe` subscription on the frontend's own
 * Home Assistant connection, made with home-assistant-js-websocket's
 * `subscribeMessage`. That library already reconnects the socket and sets
 * every subscription up again when the connection is back ("resubscribe"),
 * so the card does not do either. What the library does not do, this
 * controller does:
 *
 * - tell which of three states the user sees:
 *   - "live": OpenEye accepted the subscription (its answer or its
 *     `connection_status` greeting arrived on the current connection);
 *   - "connecting": the connection is down, or the subscription is being set
 *     up (again, after a reconnect, until OpenEye greets it);
 *   - "polling": OpenEye refused the subscription (`too_many_subscriptions`,
 *     `unknown_command` when OpenEye is not loaded, …) or never answered:
 *     the card's `poll` runs now and every `pollIntervalMs`;
 * - ask again, with back-off (1 s, 2 s, 4 s … at most 30 s), after a refusal,
 *   since the library does not retry a refused command;
 * - notice a resubscription that failed: the library swallows that refusal
 *   (it happens when Home Assistant restarts and the frontend reconnects
 *   before OpenEye has registered its commands), so when no greeting follows
 *   a reconnect within `greetingTimeoutMs`, the card subscribes anew, and so
 *   learns why if it is refused.
 *
 * Letting a subscription go needs care with that library. Its unsubscribe
 * function names the subscription's command id, and ids start again at 1 on
 * every connection: until the library has set the subscription up again on
 * the new connection, the old function would unsubscribe whatever subscription
 * got that id there, another card's perhaps. So a subscription is unsubscribed
 * at once only while it is known to be established on the current connection;
 * otherwise it is marked dropped, and the next greeting it receives (the
 * library set it up again, or a late answer came) unsubscribes it.
 *
 * Everything it touches is injected (the connection's events, the subscribe
 * and poll functions, timers and clock) so that tests drive it with a fake
 * clock and a fake connection that behaves like the library.
 */

export const STATUS = Object.freeze({
  LIVE: "live",
  CONNECTING: "connecting",
  POLLING: "polling",
});

export const DEFAULT_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 30000;
export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const DEFAULT_GREETING_TIMEOUT_MS = 10000;

/**
 * The delay before retry number `attempt` (0-based): 1 s doubling up to 30 s.
 *
 * @param {number} attempt
 * @param {number} [initialMs]
 * @param {number} [maxMs]
 * @returns {number}
 */
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

/** Whether a pushed message is OpenEye's `connection_status` greeting. */
function isGreeting(msg) {
  return (
    msg !== null &&
    typeof msg === "object" &&
    msg.type === "connection_status" &&
    typeof msg.status === "string"
  );
}

/**
 * Keeps the card's subscription and tells the card which of the three states
 * it is in. See the module's comment for what it leaves to the library.
 */
export class SubscriptionController {
  /**
   * @param {object} options
   * @param {{connected?: boolean, addEventListener: Function, removeEventListener: Function}} options.connection
   *   Home Assistant's connection (only its events and `connected` are used here).
   * @param {(onMessage: (msg: object) => void) => Promise<Function>} options.subscribe
   *   Starts one subscription that the library keeps across reconnects and
   *   resolves to its unsubscribe function.
   * @param {() => (Promise<unknown>|unknown)} [options.poll] Reads the figures once (Polling).
   * @param {(msg: object) => void} [options.onMessage] Receives each pushed message.
   * @param {(status: string, snapshot: object) => void} [options.onStatus] Told of each state change.
   * @param {{setTimeout: Function, clearTimeout: Function, now: Function}} [options.timers]
   * @param {number} [options.pollIntervalMs]
   * @param {number} [options.greetingTimeoutMs] How long to wait for an answer or a greeting.
   * @param {number} [options.initialBackoffMs]
   * @param {number} [options.maxBackoffMs]
   */
  constructor({
    connection,
    subscribe,
    poll = () => {},
    onMessage = () => {},
    onStatus = () => {},
    timers = realTimers,
    pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    greetingTimeoutMs = DEFAULT_GREETING_TIMEOUT_MS,
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
    this._subscribeFn = subscribe;
    this._poll = poll;
    this._onMessage = onMessage;
    this._onStatus = onStatus;
    this._timers = timers;
    this._pollIntervalMs = pollIntervalMs;
    this._greetingTimeoutMs = greetingTimeoutMs;
    this._initialBackoffMs = initialBackoffMs;
    this._maxBackoffMs = maxBackoffMs;

    this._running = false;
    this._status = null;
    // The subscription the card wants: {unsub, live, dropped}, or null.
    this._current = null;
    this._failures = 0;
    this._lastError = null;
    this._retryTimer = null;
    this._retryAt = null;
    this._greetingTimer = null;
    this._pollTimer = null;
    this._polling = false;
    this._pollInFlight = false;

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

  /** Starts: subscribes now if the connection is up, else when it is "ready". */
  start() {
    if (this._running) return;
    this._running = true;
    this._connection.addEventListener("disconnected", this._handleDisconnected);
    this._connection.addEventListener("ready", this._handleReady);
    // home-assistant-js-websocket cannot send while disconnected, and a
    // subscription asked for then is never sent at all: wait for "ready".
    if (this._connection.connected === false) this._setStatus(STATUS.CONNECTING);
    else this._subscribe();
  }

  /** Stops for good: lets the subscription go, removes its listeners and leaves no timer behind. */
  stop() {
    if (!this._running) return;
    this._running = false;
    this._connection.removeEventListener("disconnected", this._handleDisconnected);
    this._connection.removeEventListener("ready", this._handleReady);
    this._clearRetry();
    this._clearGreetingTimer();
    this._stopPolling();
    const sub = this._current;
    this._current = null;
    this._drop(sub);
  }

  _setStatus(status) {
    if (this._status === status) return;
    this._status = status;
    try {
      this._onStatus(status, this.snapshot());
    } catch {
      // A listener's bug must not break the controller.
    }
  }

  /** Asks for a new subscription on the open connection, letting the previous one go. */
  _subscribe() {
    if (!this._running) return;
    this._clearRetry();
    const previous = this._current;
    this._current = null;
    this._drop(previous);
    // While polling, the figures keep coming from polls during the retry, so
    // the state stays "polling" until a subscription actually succeeds.
    if (this._status !== STATUS.POLLING) this._setStatus(STATUS.CONNECTING);

    const sub = { unsub: null, live: false, dropped: false };
    this._current = sub;
    this._awaitGreeting(sub, "answer");
    let pending;
    try {
      pending = Promise.resolve(this._subscribeFn((msg) => this._message(sub, msg)));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (unsub) => {
        sub.unsub = typeof unsub === "function" ? unsub : null;
        // A subscription the card no longer wants is unsubscribed by its
        // greeting, which follows this answer (see _message).
        if (sub === this._current) this._live(sub);
      },
      (err) => {
        // A refusal of an attempt the card gave up on says nothing now.
        if (sub !== this._current) return;
        this._current = null;
        this._clearGreetingTimer();
        this._refused(err);
      },
    );
  }

  _message(sub, msg) {
    if (sub !== this._current) {
      // A subscription the card let go of while its unsubscribe could not be
      // trusted has been set up again (or answered late): now it can be.
      if (isGreeting(msg) && msg.status === "connected") {
        sub.live = true;
        this._unsubscribeLater(sub);
      }
      return;
    }
    if (isGreeting(msg)) {
      // The server may say that it closed this subscription (OpenEye was
      // unloaded, for instance): set it up again with back-off.
      if (msg.status !== "connected") {
        this._lost();
        return;
      }
      this._live(sub);
    }
    try {
      this._onMessage(msg);
    } catch {
      // A malformed message must never stop the stream.
    }
  }

  /** The subscription is established on the current connection. */
  _live(sub) {
    sub.live = true;
    this._clearGreetingTimer();
    this._clearRetry();
    this._stopPolling();
    this._failures = 0;
    this._lastError = null;
    this._setStatus(STATUS.LIVE);
  }

  /** Waits for `sub`'s answer (`reason` "answer") or for its resubscription's greeting ("resubscription"). */
  _awaitGreeting(sub, reason) {
    this._clearGreetingTimer();
    this._greetingTimer = this._timers.setTimeout(() => {
      this._greetingTimer = null;
      if (sub !== this._current || !this._running) return;
      this._current = null;
      this._drop(sub);
      if (reason === "resubscription") {
        // The library's resubscription was refused or lost, and the library
        // does not say which: ask again, and learn why if it is refused.
        this._subscribe();
      } else {
        this._refused({ code: "timeout", message: "No answer to openeye/subscribe" });
      }
    }, this._greetingTimeoutMs);
  }

  _refused(err) {
    this._lastError = normalizeError(err);
    this._setStatus(STATUS.POLLING);
    this._startPolling();
    this._scheduleRetry();
  }

  _lost() {
    const sub = this._current;
    this._current = null;
    this._clearGreetingTimer();
    this._drop(sub);
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
      // While disconnected, "ready" subscribes instead.
      if (this._connection.connected !== false) this._subscribe();
    }, delay);
  }

  _disconnected() {
    if (!this._running) return;
    this._clearRetry();
    this._clearGreetingTimer();
    // Polls would fail as well: the frontend's calls need the same socket.
    this._stopPolling();
    // The library keeps the subscription and sets it up again on "ready".
    if (this._current) this._current.live = false;
    this._setStatus(STATUS.CONNECTING);
  }

  _ready() {
    if (!this._running) return;
    if (this._current) this._awaitGreeting(this._current, "resubscription");
    else this._subscribe();
  }

  /** Lets a subscription go, now if its unsubscribe can be trusted, else at its next greeting. */
  _drop(sub) {
    if (!sub || sub.dropped) return;
    sub.dropped = true;
    if (sub.live) this._unsubscribeLater(sub);
  }

  _unsubscribeLater(sub) {
    // A task later: when the answer and the greeting come in one socket
    // message, the library replaces the subscription's unsubscribe function
    // only after the greeting has been handled.
    this._timers.setTimeout(() => {
      if (sub.live && this._connection.connected !== false) safeUnsubscribe(sub.unsub);
    }, 0);
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

  _clearGreetingTimer() {
    if (this._greetingTimer !== null) {
      this._timers.clearTimeout(this._greetingTimer);
      this._greetingTimer = null;
    }
  }
}

/**
 * Home Assistant's errors as `{code, message}`, whatever shape they came in.
 *
 * @param {unknown} err
 * @returns {{code: string, message: string}}
 */
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
