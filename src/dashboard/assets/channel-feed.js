/** Messages shown per feed. Older ones drop off the end of the list. */
export const FEED_LIMIT = 200;

/** Window of the message rate shown per feed. */
const RATE_WINDOW_MS = 10_000;

/** Payload fields shown in a message's one-line summary, besides the user id. */
const SUMMARY_FIELDS = 4;

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/**
 * The live feed of one channel: its message count, its rate over the last 10 s and its newest
 * messages, newest first. While paused it still counts, and keeps the newest `FEED_LIMIT`
 * messages to render on resume, which is all the list would show anyway.
 */
export class ChannelFeed {
  #count = 0;
  #arrivals = [];
  #pending = [];
  #envelopes = new WeakMap();

  /**
   * @param {{ name: string, description: string | null }} channel from `GET /events/channels`
   * @param {(envelope: object, item: HTMLElement) => void} onSelect called when a message is clicked
   */
  constructor(channel, onSelect) {
    const template = document.getElementById('feed-template');
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.dataset.testid = `feed-${channel.name}`;
    this.element.setAttribute('aria-labelledby', `feed-title-${channel.name}`);

    const title = this.element.querySelector('.feed-title');
    title.id = `feed-title-${channel.name}`;
    title.textContent = channel.name;
    this.element.querySelector('.feed-description').textContent = channel.description ?? '';

    this.countElement = this.element.querySelector('.feed-count');
    this.countElement.dataset.testid = `count-${channel.name}`;
    this.rateElement = this.element.querySelector('.feed-rate');
    this.rateElement.dataset.testid = `rate-${channel.name}`;
    this.emptyElement = this.element.querySelector('.feed-empty');
    this.list = this.element.querySelector('.feed-list');
    this.list.setAttribute('aria-label', `Messages on ${channel.name}, newest first`);

    this.list.addEventListener('click', (event) => {
      const item = event.target.closest('.message');
      if (item !== null && this.#envelopes.has(item)) {
        onSelect(this.#envelopes.get(item), item);
      }
    });
  }

  /** Messages waiting to be rendered because the feed is paused. */
  get pendingCount() {
    return this.#pending.length;
  }

  /** Counts a message and renders it, or keeps it for `flush()` while `paused`. */
  add(envelope, paused) {
    this.#count += 1;
    this.#arrivals.push(performance.now());
    this.#showStats();

    if (!paused) {
      this.#render(envelope);
      return;
    }
    this.#pending.push(envelope);
    if (this.#pending.length > FEED_LIMIT) {
      this.#pending.shift();
    }
  }

  /** Renders the messages kept while paused, oldest first, so the newest ends on top. */
  flush() {
    const pending = this.#pending;
    this.#pending = [];
    for (const envelope of pending) {
      this.#render(envelope);
    }
  }

  /** Empties the feed and zeroes its count and rate, as after a new filter. */
  reset() {
    this.#count = 0;
    this.#arrivals = [];
    this.#pending = [];
    this.list.replaceChildren();
    this.emptyElement.hidden = false;
    this.#showStats();
  }

  /** Recomputes the rate, which falls as arrivals leave the 10 s window. */
  refreshRate() {
    this.#showStats();
  }

  #showStats() {
    const windowStart = performance.now() - RATE_WINDOW_MS;
    while (this.#arrivals.length > 0 && this.#arrivals[0] < windowStart) {
      this.#arrivals.shift();
    }
    const perSecond = this.#arrivals.length / (RATE_WINDOW_MS / 1000);

    this.countElement.textContent = String(this.#count);
    this.rateElement.textContent = `${perSecond.toFixed(1)}/s`;
  }

  #render(envelope) {
    const item = createMessageItem(envelope);
    this.#envelopes.set(item.querySelector('.message'), envelope);
    this.list.prepend(item);
    this.emptyElement.hidden = true;

    while (this.list.childElementCount > FEED_LIMIT) {
      this.list.lastElementChild.remove();
    }
  }
}

function createMessageItem(envelope) {
  const template = document.getElementById('message-template');
  const item = template.content.firstElementChild.cloneNode(true);
  const button = item.querySelector('.message');
  button.dataset.messageId = envelope.message_id;

  const time = button.querySelector('.message-time');
  time.dateTime = envelope.timestamp;
  time.title = envelope.timestamp;
  time.textContent = timeFormat.format(new Date(envelope.timestamp));

  const userId = envelope.payload?.user_id;
  const user = button.querySelector('.message-user');
  user.textContent = typeof userId === 'string' ? userId : '';
  user.hidden = typeof userId !== 'string';

  const summary = button.querySelector('.message-summary');
  for (const [name, value] of summaryFields(envelope.payload)) {
    summary.append(createField(name, value), ' ');
  }
  return item;
}

/** Returns the first few short payload fields, leaving out ids and times. */
function summaryFields(payload) {
  if (payload === null || typeof payload !== 'object') {
    return [['payload', JSON.stringify(payload)]];
  }

  return Object.entries(payload)
    .filter(([name, value]) => isShortValue(value) && !isIdOrTime(name))
    .slice(0, SUMMARY_FIELDS);
}

function createField(name, value) {
  const field = document.createElement('span');
  field.className = 'field';
  const label = document.createElement('span');
  label.className = 'field-name';
  label.textContent = name.replaceAll('_', ' ');
  const text = document.createElement('span');
  text.className = 'field-value';
  text.textContent = String(value);
  field.append(label, ' ', text);
  return field;
}

function isShortValue(value) {
  return ['string', 'number', 'boolean'].includes(typeof value) && String(value).length <= 40;
}

function isIdOrTime(name) {
  return name.endsWith('_id') || name.endsWith('_at') || name === 'as_of';
}
