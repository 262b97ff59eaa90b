// Demo checkout: the coupon from the widget (loyalty:redeemed, kept in
// sessionStorage) is filled in, validated, and redeemed once with the order.
(function () {
  'use strict';
  var code = document.getElementById('code');
  var amount = document.getElementById('amount');
  var result = document.getElementById('result');
  code.value = sessionStorage.getItem('loyalty-coupon') || '';

  var post = window.demoBackend.post;

  function money(minor) { return '$' + (minor / 100).toFixed(2); }

  document.getElementById('validate').addEventListener('click', function () {
    post('/dev/checkout/validate', { code: code.value, order_amount_minor: Number(amount.value), currency: 'USD' })
      .then(function (r) {
        if (r.status !== 200) { result.textContent = r.body.error.message; return; }
        var v = r.body;
        result.dataset.state = v.valid ? 'valid' : 'invalid';
        result.textContent = v.valid
          ? 'Coupon applies: ' + (v.discount.amount_minor != null ? money(v.discount.amount_minor) + ' off' : v.discount.kind.replace(/_/g, ' '))
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
