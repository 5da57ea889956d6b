/** First delay before reopening a stream the browser gave up on. It doubles on each failure. */
const FIRST_RETRY_MS = 1_000;

/** Maximum delay between two attempts to reopen a stream. */
const MAX_RETRY_MS = 30_000;

/**
 * One EventSource on `/events/stream`, kept open across errors and filter changes without
 * losing messages.
 *
 * While the connection drops and comes back, EventSource reconnects by itself and sends the
 * `Last-Event-ID` header, so the server replays what was missed. A new EventSource starts
 * without that header: after a filter change, or after the browser closed the old one, as it
 * does on an HTTP error status. So the id of the last message received goes in the
 * `last_event_id` query parameter instead.
 */
export class LiveStream {
  #source = null;
  #channels;
  #apiKey;
  #handlers;
  #userId = '';
  #lastEventId = '';
  #retryMs = FIRST_RETRY_MS;
  #retryTimer = undefined;

  /**
   * @param {string[]} channels channel names to listen to, because SSE messages are named by channel
   * @param {string} apiKey sent as the `api_key` query parameter, since EventSource cannot set
   *   headers; '' for none
   * @param {{
   *   onMessage: (envelope: object) => void,
   *   onGap: (gap: { reason: string, last_event_id: string }) => void,
   *   onStatus: (state: 'connecting' | 'open' | 'reconnecting' | 'closed', text: string) => void,
   * }} handlers
   */
  constructor(channels, apiKey, handlers) {
    this.#channels = channels;
    this.#apiKey = apiKey;
    this.#handlers = handlers;
  }

  /** Opens the stream, or reopens it with a new user filter ('' for every user). */
  connect(userId) {
    this.#userId = userId;
    this.#retryMs = FIRST_RETRY_MS;
    this.#open();
  }

  #open() {
    this.#close();

    const query = new URLSearchParams();
    if (this.#userId !== '') {
      query.set('payload.user_id', this.#userId);
    }
    if (this.#lastEventId !== '') {
      query.set('last_event_id', this.#lastEventId);
    }
    if (this.#apiKey !== '') {
      query.set('api_key', this.#apiKey);
    }
    const source = new EventSource(`/events/stream?${query}`);
    this.#source = source;
    this.#handlers.onStatus('connecting', 'Connecting…');

    source.addEventListener('open', () => {
      this.#retryMs = FIRST_RETRY_MS;
      this.#handlers.onStatus('open', 'Connected');
    });
    for (const channel of this.#channels) {
      source.addEventListener(channel, (event) => this.#receive(event));
    }
    source.addEventListener('gap', (event) => this.#handlers.onGap(JSON.parse(event.data)));
    source.addEventListener('shutdown', () => {
      this.#handlers.onStatus('reconnecting', 'Service restarting, reconnecting…');
    });
    source.addEventListener('error', () => this.#onError(source));
  }

  #receive(event) {
    let envelope;
    try {
      envelope = JSON.parse(event.data);
    } catch (error) {
      console.error(`Skipped a ${event.type} message whose data is not JSON`, error);
      return;
    }

    this.#lastEventId = event.lastEventId || envelope.message_id;
    this.#handlers.onMessage(envelope);
  }

  #onError(source) {
    if (source !== this.#source) {
      return;
    }
    if (source.readyState !== EventSource.CLOSED) {
      this.#handlers.onStatus('reconnecting', 'Reconnecting…');
      return;
    }

    const delayMs = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    this.#handlers.onStatus('closed', `Disconnected, retrying in ${Math.round(delayMs / 1000)} s`);
    this.#retryTimer = setTimeout(() => this.#open(), delayMs);
  }

  #close() {
    clearTimeout(this.#retryTimer);
    this.#source?.close();
    this.#source = null;
  }
}
