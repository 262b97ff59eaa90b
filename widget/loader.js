// Loyalty Edge widget loader: the one <script> a storefront pastes.
//
//   <script src="https://loyalty.example.com/widget/loyalty.js" async
//           data-api="https://loyalty.example.com"
//           data-customer-token="<JWT from your backend>"   (optional)
//           data-lang="en" data-mode="launcher|inline" data-target="#rewards"
//           data-accent="#5b3df5" data-radius="12px" data-font="inherit"></script>
//
// `xtask` bundles this module with the wasm-bindgen glue (`--target web`)
// and the stylesheet into one classic script (esbuild, IIFE), so the only
// global is `window.LoyaltyEdge`, and the glue's exports this file does
// not import are dropped, with the wasm exports only they called.
import init, { identify, logout, mount, refresh } from './loyalty.js';
import LOYALTY_CSS from './style.css';

(function () {
  // Only valid during the script's first synchronous run: capture it now.
  var script = document.currentScript;
  if (!script) return;
  var data = script.dataset;
  var base = script.src.slice(0, script.src.lastIndexOf('/') + 1);
  // Without a trailing slash: paths are appended to it, here and in the wasm.
  var api = (data.api || new URL(script.src).origin).replace(/\/+$/, '');
  var token = data.customerToken || undefined;
  var ready = false;
  // The shopper's token and balance must not cross a network in clear: an
  // `http:` API is refused except on this machine (development).
  var target = null;
  try {
    target = new URL(api);
  } catch (e) {
    /* refused below */
  }
  var loopback = target && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(target.hostname);
  if (!target || !(target.protocol === 'https:' || (target.protocol === 'http:' && loopback))) {
    var message = 'data-api must be an https: URL (http: only for localhost): ' + api;
    if (window.console) console.error('Loyalty Edge: ' + message);
    script.dispatchEvent(
      new CustomEvent('loyalty:error', { bubbles: true, detail: { code: 'insecure_api', message: message } })
    );
    return;
  }
  // Start downloading the module now, even if the page is still parsing
  // (the tag may sit in <head>); it is compiled once the page is ready.
  var download = fetch(base + 'loyalty_bg.wasm');
  download.catch(function () {}); // reported by start() below, not as unhandled
  // A page may have queued calls on a stub (`window.LoyaltyEdge = {q: []}`)
  // before this async script ran; they are replayed below.
  var stub = window.LoyaltyEdge;

  // Single-page storefronts sign shoppers in and out without a reload.
  window.LoyaltyEdge = {
    identify: function (t) {
      if (ready) identify(String(t || ''));
      else token = t;
    },
    logout: function () {
      if (ready) logout();
      else token = undefined;
    },
    refresh: function () {
      if (ready) refresh();
    },
  };
  if (stub && stub.q) {
    stub.q.forEach(function (call) {
      window.LoyaltyEdge[call[0]].apply(null, call.slice(1));
    });
  }

  // Ask for the first figures now, beside the module's download, rather
  // than after it has loaded: the widget reads these answers instead of
  // asking again (for this shopper only; a sign-in before it mounts
  // drops them).
  var lang = data.lang || document.documentElement.lang || 'en';
  var earlyToken = token;
  var early = ['/v1/program'].concat(token ? ['/v1/me', '/v1/me/rewards'] : []).map(function (path) {
    // The same request the widget would send (src/api.rs).
    var headers = { 'Accept-Language': lang };
    if (path !== '/v1/program') headers.Authorization = 'Bearer ' + token;
    var response = fetch(api + path, { headers: headers });
    response.catch(function () {}); // the widget reports it where it reads it
    return [path, response];
  });

  function start() {
    var host = data.target ? document.querySelector(data.target) : null;
    if (!host) {
      host = document.createElement('div');
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    host.setAttribute('data-loyalty-edge', '');
    // The shadow root keeps the store's CSS out and ours in. The sheet is
    // adopted rather than a <style> element, which a strict CSP would block.
    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(LOYALTY_CSS);
    root.adoptedStyleSheets = [sheet];
    var container = document.createElement('div');
    container.className = 'le-theme';
    if (data.accent) container.style.setProperty('--le-accent', data.accent);
    if (data.radius) container.style.setProperty('--le-radius', data.radius);
    if (data.font) container.style.setProperty('--le-font', data.font);
    root.appendChild(container);

    init({ module_or_path: download })
      .then(function () {
        mount(
          host,
          container,
          api,
          token,
          lang,
          data.mode || 'launcher',
          new Map(token === earlyToken ? early : [])
        );
        ready = true;
      })
      .catch(function (err) {
        host.dispatchEvent(
          new CustomEvent('loyalty:error', {
            bubbles: true,
            composed: true,
            detail: { code: 'load_failed', message: String(err) },
          })
        );
      });
  }

  // Never compete with the host page's first render.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
