// The claim page of a reward order's link: the token is in the URL's
// fragment (#...), which browsers never send to a server or in a Referer,
// so it stays out of every log. Opening the page only reads
// (GET /v1/claims/{token}); the codes are revealed, once and for good, by
// the holder's click (POST), so a mail scanner that opens links claims
// nothing. Every value from the API is set as text, never as markup.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var token = location.hash.replace(/^#/, '');
  var state = $('state');

  function show(view) {
    $('store').textContent = view.store;
    $('title').textContent = view.reward.name;
    document.title = view.reward.name + ' — ' + view.store;
    $('description').textContent = view.reward.description || '';
    if (view.reward.image_url) {
      $('image').src = view.reward.image_url;
      $('image').alt = view.reward.name;
      $('image').hidden = false;
    }
    var p = view.personalization || {};
    if (p.to) { $('to').textContent = 'For ' + p.to; $('to').hidden = false; }
    if (p.message) { $('message').textContent = p.message; $('message').hidden = false; }
    if (p.from_name) { $('from').textContent = 'From ' + p.from_name; $('from').hidden = false; }
    $('gift').hidden = false;
    var list = $('codes');
    list.replaceChildren();
    if (view.claimed_at) {
      view.codes.forEach(function (c) {
        var li = document.createElement('li');
        var code = document.createElement('code');
        code.textContent = c.code;
        li.append(code, ' · ' + c.offer);
        list.append(li);
      });
      list.hidden = false;
      $('claim').hidden = true;
      state.textContent = view.codes.length === 1 ? 'Here is your code.' : 'Here are your codes.';
    } else {
      $('claim').hidden = false;
      state.textContent = view.quantity === 1
        ? 'A code is waiting for you.'
        : view.quantity + ' codes are waiting for you.';
    }
  }

  function fail(r) {
    state.textContent = r.status === 404
      ? 'This link is not valid. Check that you copied all of it.'
      : 'Something went wrong; try again in a moment.';
    state.dataset.state = 'error';
  }

  function call(method) {
    return fetch('/v1/claims/' + encodeURIComponent(token), { method: method }).then(function (r) {
      if (!r.ok) { fail(r); return null; }
      return r.json().then(show);
    });
  }

  $('claim').addEventListener('click', function () {
    $('claim').disabled = true;
    call('POST').then(function () { $('claim').disabled = false; });
  });
  // Another link pasted into this tab changes only the fragment: start over.
  window.addEventListener('hashchange', function () { location.reload(); });
  call('GET');
})();
