// The demo store's calls to its own backend. A real store would make these
// from its server with the API key; in local development the Worker's
// dev-only routes (/dev/token, /dev/checkout/*) play that backend.
window.demoBackend = {
  post: function (path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, ok: r.ok, body: j }; });
    });
  },
};
