// The dispatch board's map: open orders (red when a promise is broken) and
// workers on duty, read from the lists the page shows ([data-map-job] and
// [data-map-worker] rows with data-lat/lng/title), redrawn after each htmx
// refresh. The lists have everything; the map is a view of them.
(function () {
  "use strict";

  var state = null; // { map, layer, fitted }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function createMap(container) {
    var fallback = container.querySelector(".map__fallback");
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, { zoomControl: false, scrollWheelZoom: false });
    L.control
      .zoom({
        zoomInTitle: container.dataset.zoomIn || "Zoom in",
        zoomOutTitle: container.dataset.zoomOut || "Zoom out",
      })
      .addTo(map);
    var tiles = L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.attribution || "",
      maxZoom: 19,
    });
    tiles.on("tileerror", function () {
      container.classList.add("map--offline");
    });
    tiles.addTo(map);
    return { map: map, layer: L.layerGroup().addTo(map), fitted: false };
  }

  function label(row) {
    // Built with DOM calls: titles are user content and never become HTML.
    var box = document.createElement("div");
    box.className = "map-popup";
    if (row.dataset.url) {
      var link = document.createElement("a");
      link.href = row.dataset.url;
      link.textContent = row.dataset.title || "";
      box.appendChild(link);
    } else {
      box.textContent = row.dataset.title || "";
    }
    return box;
  }

  function draw() {
    if (!state) {
      return;
    }
    state.layer.clearLayers();
    var bounds = [];
    document.querySelectorAll("[data-map-job], [data-map-worker]").forEach(function (row) {
      var lat = number(row.dataset.lat);
      var lng = number(row.dataset.lng);
      if (lat === null || lng === null) {
        return;
      }
      var isJob = row.hasAttribute("data-map-job");
      var late = row.hasAttribute("data-late");
      var marker = L.circleMarker([lat, lng], {
        radius: isJob ? 9 : 6,
        weight: 2,
        color: isJob ? (late ? "#b42318" : "#1d4ed8") : "#15803d",
        fillOpacity: isJob ? 0.5 : 0.8,
        className: isJob ? "dispatch-marker--job" : "dispatch-marker--worker",
      });
      marker.bindPopup(label(row));
      marker.addTo(state.layer);
      bounds.push([lat, lng]);
    });
    if (!state.fitted) {
      if (bounds.length) {
        state.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
      } else {
        state.map.setView([31.23, 121.47], 11);
      }
      state.fitted = bounds.length > 0;
    }
  }

  function start() {
    var container = document.querySelector('[data-map="dispatch"]');
    if (!container || typeof L === "undefined") {
      return;
    }
    state = createMap(container);
    draw();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "board-live") {
        draw();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
