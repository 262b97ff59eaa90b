// Demo checkout: the coupon from the widget (loyalty:redeemed, kept in
// sessionStorage) is filled in, or picked from the shopper's codes still to
// use; validated, and redeemed once with the order.
(function () {
  'use strict';
  var code = document.getElementById('code');
  var amount = document.getElementById('amount');
  var result = document.getElementById('result');
  code.value = sessionStorage.getItem('loyalty-coupon') || '';

  var post = window.demoBackend.post;
  // The order being placed: a code made with points is for it alone.
  var order = 'order-' + Date.now();

  // The shopper's codes still to use, from the API with their token
  // (GET /v1/me/coupons), each a button that fills in the code: a code
  // redeemed on another day is not lost.
  var customer = sessionStorage.getItem('customer');
  if (customer && sessionStorage.getItem('signed-out') !== '1') {
    post('/dev/token', { customer_id: customer }).then(function (t) {
      return fetch('/v1/me/coupons', { headers: { Authorization: 'Bearer ' + t.body.token } });
    }).then(function (r) { return r.json(); }).then(function (j) {
      var list = document.getElementById('my-codes');
      (j.coupons || []).forEach(function (c) {
        var li = document.createElement('li');
        var use = document.createElement('button');
        use.type = 'button';
        use.textContent = 'Use ' + c.code;
        use.addEventListener('click', function () { code.value = c.code; });
        // Worded by the API (core), as the widget words it.
        li.append(use, ' ' + c.offer + (c.min_order ? ' · ' + c.min_order : ''));
        list.append(li);
      });
      list.hidden = list.children.length === 0;
    });
    payWithPoints(customer);
  }

  // Pay with points (POST /v1/checkout/points, played here by the dev
  // route): the program's step and worth come from GET /v1/program, the
  // balance from GET /v1/me; the code made is filled in like a coupon.
  function payWithPoints(customer) {
    var box = document.getElementById('pay-with-points');
    var range = document.getElementById('points');
    var worth = document.getElementById('points-worth');
    var use = document.getElementById('use-points');
    var offer;
    var money = function (minor) {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency: offer.currency }).format(minor / 100);
    };
    var label = function () {
      var points = Number(range.value);
      var off = money((points / offer.step) * offer.step_amount_minor);
      worth.textContent = points.toLocaleString('en-US') + ' points = ' + off + ' off';
      use.textContent = 'Use ' + points.toLocaleString('en-US') + ' points for ' + off + ' off';
    };
    Promise.all([
      fetch('/v1/program').then(function (r) { return r.json(); }),
      post('/dev/token', { customer_id: customer }).then(function (t) {
        return fetch('/v1/me', { headers: { Authorization: 'Bearer ' + t.body.token } });
      }).then(function (r) { return r.json(); }),
    ]).then(function (both) {
      offer = both[0].pay_with_points;
      var balance = both[1].balance;
      if (!offer || balance < offer.step) return;
      document.getElementById('points-balance').textContent =
        'You have ' + balance.toLocaleString('en-US') + ' points.';
      range.step = String(offer.step);
      range.min = String(offer.step);
      range.max = String(Math.floor(balance / offer.step) * offer.step);
      range.value = String(offer.step);
      label();
      range.addEventListener('input', label);
      box.hidden = false;
    });
    use.addEventListener('click', function () {
      use.disabled = true;
      post('/dev/checkout/points', { customer_id: customer, order_id: order, points: Number(range.value) })
        .then(function (r) {
          if (r.status !== 201 && r.status !== 200) {
            use.disabled = false;
            result.dataset.state = 'refused';
            result.textContent = 'Points not applied: ' + r.body.error.message;
            return;
          }
          code.value = r.body.coupon.code;
          range.disabled = true;
          result.dataset.state = 'points';
          result.textContent = r.body.points_debited.toLocaleString('en-US') + ' points applied: ' +
            r.body.coupon.offer + ' with code ' + r.body.coupon.code + '. You have ' +
            r.body.balance_after.toLocaleString('en-US') + ' points left; if the order is not placed within the hour, they come back.';
        });
    });
  }

  document.getElementById('validate').addEventListener('click', function () {
    post('/dev/checkout/validate', { code: code.value, order_amount_minor: Number(amount.value), currency: 'USD' })
      .then(function (r) {
        if (r.status !== 200) { result.textContent = r.body.error.message; return; }
        var v = r.body;
        result.dataset.state = v.valid ? 'valid' : 'invalid';
        result.textContent = v.valid
          ? 'Coupon applies: ' + v.offer
          : 'Coupon not valid: ' + v.reason.replace(/_/g, ' ');
      });
  });

  document.getElementById('checkout-form').addEventListener('submit', function (e) {
    e.preventDefault();
    post('/dev/checkout/redeem', { code: code.value, order_id: order }).then(function (r) {
      result.dataset.state = r.status === 200 ? 'redeemed' : 'refused';
      result.textContent = r.status === 200
        ? 'Order ' + order + ' placed with coupon ' + r.body.code + '.'
        : 'Coupon refused: ' + r.body.error.message;
      if (r.status === 200) {
        sessionStorage.removeItem('loyalty-coupon');
        // Placed: what is submitted next is another order.
        order = 'order-' + Date.now();
      }
    });
  });
})();
