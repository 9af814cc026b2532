// The booking page's enhancements: the customer's time zone for the slot picker,
// and the map pin that says where the door is. Loaded after Leaflet on the booking
// page only. Without this file the page still books: the picker shows the zone
// the server guessed, and the address text (with the service area's centre) is used.
//
// Data comes from the page, never from inline script:
//   [data-browser-tz]     hidden input for the browser's IANA time zone
//   [data-map-pin]        the map: data-lat/lng (the pin), data-lat-input and
//                         data-lng-input (ids of the hidden fields it updates),
//                         data-tile-url, data-attribution, data-marker-* icons,
//                         data-area-lat/lng/radius-km (the service area, approximate)
//   [data-saved-address]  a select whose options carry data-address/lat/lng
(function () {
  "use strict";

  var pin = null; // { map, marker, latInput, lngInput }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  // --- Time zone ------------------------------------------------------------------

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function useBrowserZone() {
    var zone = browserZone();
    var input = document.querySelector("[data-browser-tz]");
    if (!zone || !input || input.value === zone) {
      return;
    }
    input.value = zone;
    // The picker was drawn in the zone the server guessed: draw it again in
    // the customer's own.
    var picker = document.getElementById("slot-picker");
    var checked = picker && picker.querySelector("input[name=date]:checked");
    if (checked && window.htmx) {
      window.htmx.trigger(checked, "change");
    }
  }

  // --- The pin --------------------------------------------------------------------

  function configureIcons(container) {
    // As in web/map.js: marker images come from the vendored Leaflet copy.
    var icon = container.dataset.markerIcon;
    if (!icon) {
      return;
    }
    var folder = icon.slice(0, icon.lastIndexOf("/") + 1);
    var name = function (url) {
      return url.slice(url.lastIndexOf("/") + 1);
    };
    L.Icon.Default.imagePath = folder;
    L.Icon.Default.mergeOptions({
      iconUrl: name(icon),
      iconRetinaUrl: name(container.dataset.markerIcon2x || icon),
      shadowUrl: name(container.dataset.markerShadow || icon),
    });
  }

  function placePin(lat, lng, pan) {
    if (!pin) {
      return;
    }
    pin.marker.setLatLng([lat, lng]);
    pin.latInput.value = lat.toFixed(6);
    pin.lngInput.value = lng.toFixed(6);
    if (pan) {
      pin.map.panTo([lat, lng]);
    }
  }

  // The provider's service area: a circle around an approximate centre (the
  // page never carries their exact base), so the customer sees where they come.
  function drawServiceArea(map, container) {
    var lat = number(container.dataset.areaLat);
    var lng = number(container.dataset.areaLng);
    var radiusKm = number(container.dataset.areaRadiusKm);
    if (lat === null || lng === null || !radiusKm) {
      return;
    }
    L.circle([lat, lng], {
      radius: radiusKm * 1000,
      className: "map-area",
      interactive: false,
    }).addTo(map);
  }

  function initPin(container) {
    var lat = number(container.dataset.lat);
    var lng = number(container.dataset.lng);
    var latInput = document.getElementById(container.dataset.latInput);
    var lngInput = document.getElementById(container.dataset.lngInput);
    if (lat === null || lng === null || !latInput || !lngInput) {
      return;
    }
    configureIcons(container);
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
    tiles.on("tileload", function () {
      container.classList.remove("map--offline");
    });
    tiles.addTo(map);
    map.setView([lat, lng], 15);
    drawServiceArea(map, container);
    var marker = L.marker([lat, lng], {
      draggable: true,
      autoPan: true,
      title: container.dataset.pinTitle || "",
      alt: container.dataset.pinTitle || "",
    }).addTo(map);
    pin = { map: map, marker: marker, latInput: latInput, lngInput: lngInput };
    marker.on("dragend", function () {
      var point = marker.getLatLng();
      placePin(point.lat, point.lng, false);
    });
    map.on("click", function (event) {
      placePin(event.latlng.lat, event.latlng.lng, false);
    });
  }

  // --- Saved addresses --------------------------------------------------------------

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-saved-address]");
    if (!select) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var lat = number(option && option.dataset.lat);
    var lng = number(option && option.dataset.lng);
    var address = document.getElementById("id_address");
    if (option && option.dataset.address && address) {
      address.value = option.dataset.address;
    }
    if (lat !== null && lng !== null) {
      placePin(lat, lng, true);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    useBrowserZone();
    if (typeof L === "undefined") {
      return; // Leaflet did not load: the address text is enough
    }
    document.querySelectorAll("[data-map-pin]").forEach(initPin);
  });
})();
