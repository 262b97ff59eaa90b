// The demo store's own front-end code. It plays two parts a real store's
// backend would: minting the shopper's token (POST /dev/token) and
// reporting purchases (POST /dev/checkout/purchase).
(function () {
  'use strict';
  var CUSTOMER = new URLSearchParams(location.search).get('customer') || 'demo-shopper';
  var signedIn = sessionStorage.getItem('signed-out') !== '1';
  // Checkout lists this shopper's codes (a real store knows its shopper).
  sessionStorage.setItem('customer', CUSTOMER);

  // Calls made before the widget script has loaded are queued; the loader
  // replays them (the usual async-snippet pattern).
  window.LoyaltyEdge = window.LoyaltyEdge || {
    q: [],
    identify: function (t) { this.q.push(['identify', t]); },
    logout: function () { this.q.push(['logout']); },
    refresh: function () { this.q.push(['refresh']); },
  };

  var post = window.demoBackend.post;

  function show(who, action) {
    document.getElementById('who').textContent = who;
    var toggle = document.getElementById('sign-toggle');
    if (toggle) toggle.textContent = action;
  }

  function signIn() {
    return post('/dev/token', { customer_id: CUSTOMER, name: 'Demo Shopper' }).then(function (r) {
      window.LoyaltyEdge.identify(r.body.token);
      show('Signed in as ' + CUSTOMER, 'Sign out');
    });
  }

  function signOut() {
    window.LoyaltyEdge.logout();
    show('Guest', 'Sign in');
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (signedIn) signIn(); else signOut();
    var toggle = document.getElementById('sign-toggle');
    if (toggle) toggle.addEventListener('click', function () {
      signedIn = !signedIn;
      sessionStorage.setItem('signed-out', signedIn ? '0' : '1');
      if (signedIn) signIn(); else signOut();
    });
    document.querySelectorAll('[data-buy]').forEach(function (b) {
      b.addEventListener('click', function () {
        var status = document.getElementById('store-status');
        post('/dev/checkout/purchase', { customer_id: CUSTOMER, amount_minor: Number(b.dataset.buy) }).then(function (r) {
          status.textContent = r.ok
            ? 'Thanks for your order! You earned ' + r.body.points_earned + ' points.'
            : r.body.error.message;
          window.LoyaltyEdge.refresh();
        });
      });
    });
  });

  // The widget tells the page when a coupon was redeemed: keep it for checkout.
  document.addEventListener('loyalty:redeemed', function (e) {
    sessionStorage.setItem('loyalty-coupon', e.detail.code);
    var status = document.getElementById('store-status');
    if (status) status.textContent = 'Coupon ' + e.detail.code + ' will be applied at checkout.';
  });
})();
