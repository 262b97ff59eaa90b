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
    var order = 'order-' + Date.now();
    post('/dev/checkout/redeem', { code: code.value, order_id: order }).then(function (r) {
      result.dataset.state = r.status === 200 ? 'redeemed' : 'refused';
      result.textContent = r.status === 200
        ? 'Order ' + order + ' placed with coupon ' + r.body.code + '.'
        : 'Coupon refused: ' + r.body.error.message;
      if (r.status === 200) sessionStorage.removeItem('loyalty-coupon');
    });
  });
})();
