/* The worker's phone (/work/): offer countdowns, the location-sharing
 * checkbox that saves itself, and — only when the worker opted in while on
 * duty — the phone's position sent every ~30 seconds. Every action also works
 * as a plain form without this script. */
(function () {
  "use strict";

  var SEND_EVERY_MS = 30000;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-expires-at]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.expiresAt) - now) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = el.dataset.expiredText || "0:00";
        var card = el.closest("[data-offer-id]");
        if (card) card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        return;
      }
      el.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    });
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function shareLocation(panel) {
    var status = panel.querySelector("[data-location-status]");
    if (!("geolocation" in navigator)) return;
    var lastSent = 0;
    navigator.geolocation.watchPosition(
      function (position) {
        var now = Date.now();
        if (now - lastSent < SEND_EVERY_MS) return;
        lastSent = now;
        fetch(panel.dataset.locationUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({
            latitude: position.coords.latitude,
            longitude: position.coords.longitude,
            accuracy: position.coords.accuracy,
            recorded_at: new Date(position.timestamp).toISOString()
          })
        }).then(function (response) {
          if (status && !response.ok) {
            return response.json().then(function (problem) { status.textContent = problem.detail || problem.title || ""; });
          }
        }).catch(function () { /* offline: the next position tries again */ });
      },
      function (error) {
        if (status) status.textContent = error.message;
      },
      { enableHighAccuracy: true, maximumAge: 15000, timeout: 20000 }
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
    document.querySelectorAll("[data-autosubmit]").forEach(function (box) {
      var form = box.form;
      var button = form.querySelector("[data-autosubmit-button]");
      if (button) button.hidden = true;
      box.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
    var panel = document.querySelector("[data-share-location]");
    if (panel) shareLocation(panel);
  });
})();
