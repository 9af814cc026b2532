// The supply and demand map: H3 cells drawn as polygons with the vendored
// Leaflet, shaded by unfilled demand (level 0 to 10). The cells come from a
// json_script element (the policy allows no inline script); the page's table
// has the same figures for the most under-supplied cells.
(function () {
  "use strict";

  var SHADES = ["#fff7ed", "#ffedd5", "#fed7aa", "#fdba74", "#fb923c", "#f97316",
    "#ea580c", "#c2410c", "#9a3412", "#7c2d12", "#431407"];

  function start() {
    var container = document.querySelector("[data-map='supply-demand']");
    if (!container || typeof L === "undefined") {
      return;
    }
    var source = document.getElementById(container.dataset.cells);
    var data = JSON.parse(source.textContent);
    var fallback = container.querySelector(".map__fallback");
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, { scrollWheelZoom: false });
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.attribution || "",
        maxZoom: 18,
      }).addTo(map);
    }
    var layer = L.featureGroup().addTo(map);
    data.cells.forEach(function (cell) {
      L.polygon(cell.boundary, {
        color: "#7c2d12",
        weight: 1,
        fillColor: SHADES[cell.level],
        fillOpacity: 0.6,
      })
        .bindTooltip(cell.label)
        .addTo(layer);
    });
    if (data.cells.length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16] });
    } else {
      map.setView([31.23, 121.47], 10);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
