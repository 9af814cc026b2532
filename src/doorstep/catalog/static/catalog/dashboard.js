// The provider dashboard's small enhancements. Every form works without this file.
(function () {
  "use strict";

  // Show the price only for fixed and hourly pricing, and the minimum hours only
  // for hourly. Fields carry data-pricing-show="fixed hourly".
  function syncPricing(form) {
    var checked = form.querySelector('input[name="pricing_model"]:checked');
    var model = checked ? checked.value : "";
    form.querySelectorAll("[data-pricing-show]").forEach(function (slot) {
      var models = slot.getAttribute("data-pricing-show").split(" ");
      slot.hidden = model !== "" && models.indexOf(model) === -1;
    });
  }

  document.querySelectorAll("form[data-listing-form]").forEach(function (form) {
    syncPricing(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "pricing_model") {
        syncPricing(form);
      }
    });
  });

  // Preview a chosen photo before it is uploaded (a data: URL, which the
  // Content-Security-Policy allows for images).
  document.querySelectorAll("input[data-photo-preview]").forEach(function (input) {
    var preview = document.getElementById(input.getAttribute("data-photo-preview"));
    if (!preview) {
      return;
    }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
        preview.hidden = true;
        preview.removeAttribute("src");
        return;
      }
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        preview.src = reader.result;
        preview.hidden = false;
      });
      reader.readAsDataURL(file);
    });
  });
})();
