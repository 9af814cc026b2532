// Confirms the order's payment intent with Stripe.js: the card goes from the
// browser to Stripe, which sends the customer back to the return URL.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  var stripe = Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    stripe
      .confirmPayment({
        elements: elements,
        confirmParams: { return_url: form.dataset.returnUrl },
      })
      .then(function (result) {
        if (result.error) {
          document.getElementById("payment-error").textContent =
            result.error.message;
        }
      });
  });
})();
