// The browser APIs the widget's wasm calls through this module
// (src/browser.rs says why each is here rather than in web-sys calls), and
// the loader's early requests. Plain functions over strings and JS values:
// the decisions stay in Rust. xtask bundles one copy for both.

/**
 * Sends one request to the API: the widget's language in Accept-Language,
 * the shopper's token (if any) in Authorization, and for a POST its JSON
 * body with the Idempotency-Key. Returns `fetch`'s `Promise<Response>`.
 * The loader sends its early requests with it too.
 */
export function request(url, method, lang, token, key, body) {
  var headers = { 'Accept-Language': lang };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (key) {
    headers['Content-Type'] = 'application/json';
    headers['Idempotency-Key'] = key;
  }
  return fetch(url, { method: method, headers: headers, body: body });
}

/**
 * `request`, or `early`, the same request the loader sent while the module
 * downloaded (a `Promise<Response>`), read to `[status, body]`: the body
 * parsed as JSON, or `null` when it is not JSON. Rejects only when the
 * network failed.
 */
export function send(url, method, lang, token, key, body, early) {
  return (early || request(url, method, lang, token, key, body)).then(function (r) {
    return r.text().then(function (text) {
      try {
        return [r.status, JSON.parse(text)];
      } catch (e) {
        return [r.status, null];
      }
    });
  });
}

/** Sends `name` to the host page from `target`: it bubbles out of the shadow root. */
export function emit(target, name, detail) {
  target.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail }));
}

/** Copies `text` with the async Clipboard API; resolves to whether it did. */
export function copy(text) {
  try {
    return navigator.clipboard.writeText(text).then(
      function () {
        return true;
      },
      function () {
        return false;
      }
    );
  } catch (e) {
    return Promise.resolve(false); // no Clipboard API (an insecure page)
  }
}

/** 32 hex digits from the browser's CSPRNG. */
export function randomKey() {
  var bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, function (b) {
    return (b + 256).toString(16).slice(1);
  }).join('');
}

/**
 * An RFC 3339 time as a date in `locale` ("Dec 22, 2026", "22 déc. 2026"),
 * by the browser's Intl; the first ten characters if it is not a time.
 */
export function day(time, locale) {
  var date = new Date(time);
  if (isNaN(date.getTime())) return time.slice(0, 10);
  return date.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Focuses the element `selector` finds in `host`'s shadow root, if any. */
export function focusIn(host, selector) {
  var el = host.shadowRoot && host.shadowRoot.querySelector(selector);
  if (el) el.focus();
}
