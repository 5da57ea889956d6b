import { ChannelFeed } from './channel-feed.js';
import { LiveStream } from './live-stream.js';

/** Delay before asking for the channel list again after a failed request. */
const CHANNELS_RETRY_MS = 3_000;

/** Interval at which the rates are recomputed, so they fall when messages stop. */
const RATE_REFRESH_MS = 1_000;

/** Same rule as the service's user_id check, which the input's `pattern` attribute applies. */
const INVALID_USER_ID = 'Invalid user id: use 1 to 128 letters, digits, "_", ".", ":" or "-"';

const GAP_REASONS = {
  invalid_last_event_id: 'the resume position was not a message id',
  unknown_last_event_id: 'that message is no longer in the history',
};

/**
 * API key from the page address, opened as `/#api_key=<key>`, for services with API keys. The
 * browser does not send the fragment when it loads the page. The page sends the key with its own
 * requests, and to the stream as the `api_key` query parameter.
 */
const API_KEY = apiKeyFromAddress(window.location.hash);

const feeds = new Map();
let paused = false;
let selectedItem = null;

const byId = (id) => document.getElementById(id);

await start();

async function start() {
  const channels = await loadChannels();
  if (channels === null) {
    return;
  }
  const feedsElement = byId('feeds');
  for (const channel of channels) {
    const feed = new ChannelFeed(channel, showDetail);
    feeds.set(channel.name, feed);
    feedsElement.append(feed.element);
  }
  feedsElement.removeAttribute('aria-busy');
  setInterval(() => feeds.forEach((feed) => feed.refreshRate()), RATE_REFRESH_MS);

  const stream = new LiveStream([...feeds.keys()], API_KEY, {
    onMessage: receive,
    onGap: showGap,
    onStatus: showStatus,
  });
  wireFilter(stream);
  wirePause();
  byId('gap-dismiss').addEventListener('click', () => {
    byId('gap-notice').hidden = true;
  });
  stream.connect('');
}

/**
 * Fetches `GET /events/channels`, retrying until it succeeds. Returns null, and shows why in the
 * status, when the service rejects the API key or requires one.
 */
async function loadChannels() {
  const headers = { accept: 'application/json' };
  if (API_KEY !== '') {
    headers['x-api-key'] = API_KEY;
  }
  for (;;) {
    try {
      const response = await fetch('/events/channels', { headers });
      if (response.status === 401 || response.status === 403) {
        showStatus(
          'closed',
          `Channel list rejected (HTTP ${response.status}): open this page as ` +
            '/#api_key=<a key with the read scope>',
        );
        return null;
      }
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const body = await response.json();
      return body.items;
    } catch (error) {
      const seconds = CHANNELS_RETRY_MS / 1000;
      showStatus('closed', `Channel list failed (${error.message}), retrying in ${seconds} s`);
      await new Promise((resolve) => setTimeout(resolve, CHANNELS_RETRY_MS));
    }
  }
}

/**
 * Returns the key after `#api_key=`, or ''. Everything after `=` is the key, so `&` and `+` stay
 * as they are; percent escapes are decoded when they are valid.
 */
function apiKeyFromAddress(hash) {
  const prefix = '#api_key=';
  if (!hash.startsWith(prefix)) {
    return '';
  }
  const raw = hash.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function receive(envelope) {
  const feed = feeds.get(envelope.channel);
  if (feed === undefined) {
    return;
  }

  feed.add(envelope, paused);
  if (paused) {
    showPendingCount();
  }
}

function wireFilter(stream) {
  const form = byId('filter-form');
  const input = byId('user-filter');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    input.value = input.value.trim();
    if (!input.checkValidity()) {
      showFilterHint(INVALID_USER_ID, true);
      input.focus();
      return;
    }
    applyFilter(stream, input.value);
  });
  byId('filter-clear').addEventListener('click', () => {
    input.value = '';
    applyFilter(stream, '');
  });
}

/** Reopens the stream with the filter; feeds and counts restart so they cover one filter only. */
function applyFilter(stream, userId) {
  feeds.forEach((feed) => feed.reset());
  showPendingCount();
  showFilterHint(userId === '' ? 'Showing all users' : `Showing user_id = ${userId}`, false);
  stream.connect(userId);
}

function showFilterHint(text, invalid) {
  const hint = byId('filter-hint');
  hint.textContent = text;
  hint.classList.toggle('error', invalid);
  byId('user-filter').setAttribute('aria-invalid', String(invalid));
}

function wirePause() {
  const button = byId('pause-button');
  button.addEventListener('click', () => {
    paused = !paused;
    button.textContent = paused ? 'Resume' : 'Pause';
    button.classList.toggle('active', paused);
    if (!paused) {
      feeds.forEach((feed) => feed.flush());
    }
    showPendingCount();
  });
}

function showPendingCount() {
  let pending = 0;
  feeds.forEach((feed) => (pending += feed.pendingCount));
  const noun = pending === 1 ? 'message' : 'messages';
  byId('pause-state').textContent = paused ? `Paused · ${pending} new ${noun} held` : '';
}

function showStatus(state, text) {
  const status = document.querySelector('[data-testid="connection-status"]');
  status.dataset.state = state;
  status.querySelector('.status-text').textContent = text;
}

function showGap(gap) {
  const reason = GAP_REASONS[gap.reason] ?? gap.reason;
  byId('gap-text').textContent =
    `Some messages may be missing: the stream could not resume after message ` +
    `${gap.last_event_id} because ${reason}. New messages keep arriving.`;
  byId('gap-notice').hidden = false;
}

function showDetail(envelope, item) {
  selectedItem?.classList.remove('selected');
  selectedItem?.removeAttribute('aria-current');
  selectedItem = item;
  item.classList.add('selected');
  item.setAttribute('aria-current', 'true');

  byId('detail-empty').hidden = true;
  byId('detail-meta').hidden = false;
  byId('detail-channel').textContent = envelope.channel;
  byId('detail-id').textContent = envelope.message_id;
  const json = byId('detail-json');
  json.hidden = false;
  json.textContent = JSON.stringify(envelope, null, 2);
}
