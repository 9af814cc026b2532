// Maps and the search page's enhancements, on the search and listing pages only.
// Both pages work without this file (and without map tiles, which may not load at
// all): the list has every result, the links every filter.
//
// Leaflet (150 kB of script and its stylesheet) is not on these pages: it is
// fetched when a map comes near the viewport (on a phone the search map is below
// the results, the listing's map below the description), so it costs nothing
// before the first paint and nothing at all to a visitor who never scrolls there.
//
// Data comes from the page, never from inline script:
//   [data-map="results"]  the search map; markers come from the result cards
//                         ([data-map-hit] with data-lat/lng/title/url/price) and
//                         the searched point from [data-results-meta].
//   [data-map="area"]     a listing's service area: data-lat/lng/radius-km.
//   Both carry data-tile-url, data-attribution, data-marker-* icon URLs and
//   data-leaflet-js / data-leaflet-css (Leaflet's hashed URLs).
(function () {
  "use strict";

  var NARROW = "(max-width: 59.99rem)";
  var resultsMap = null; // { map, markers: {id: marker}, layer, point }

  // --- Leaflet ------------------------------------------------------------------

  function configureIcons(container) {
    // Marker images come from our vendored copy (vendor/leaflet/images), whose
    // URLs the template resolves (they are hashed in production).
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

  function createMap(container, options) {
    configureIcons(container);
    var fallback = container.querySelector(".map__fallback");
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, {
      zoomControl: false,
      scrollWheelZoom: options.scrollWheelZoom,
      attributionControl: true,
    });
    L.control
      .zoom({
        zoomInTitle: container.dataset.zoomIn || "Zoom in",
        zoomOutTitle: container.dataset.zoomOut || "Zoom out",
      })
      .addTo(map);
    var tiles = L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.attribution || "",
      maxZoom: 19,
      crossOrigin: false,
    });
    // Without tiles (offline, blocked, a tile server down) the map still shows
    // its markers on a plain background.
    tiles.on("tileerror", function () {
      container.classList.add("map--offline");
    });
    tiles.on("tileload", function () {
      container.classList.remove("map--offline");
    });
    tiles.addTo(map);
    return map;
  }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  // --- Search map -----------------------------------------------------------------

  function popupFor(card) {
    // Built with DOM calls: titles are user content and never become HTML.
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = card.dataset.url;
    link.textContent = card.dataset.title;
    var price = document.createElement("p");
    price.textContent = card.dataset.price || "";
    box.appendChild(link);
    box.appendChild(price);
    return box;
  }

  function searchedPoint() {
    var meta = document.querySelector("[data-results-meta]");
    if (!meta) {
      return null;
    }
    var lat = number(meta.dataset.lat);
    var lng = number(meta.dataset.lng);
    if (lat === null || lng === null) {
      return null;
    }
    return { lat: lat, lng: lng, radiusKm: number(meta.dataset.radiusKm) };
  }

  function syncResultMarkers(fit) {
    if (!resultsMap) {
      return;
    }
    var map = resultsMap.map;
    resultsMap.layer.clearLayers();
    resultsMap.markers = {};
    var bounds = [];
    document.querySelectorAll("[data-map-hit]").forEach(function (card) {
      var lat = number(card.dataset.lat);
      var lng = number(card.dataset.lng);
      if (lat === null || lng === null || resultsMap.markers[card.dataset.hitId]) {
        return;
      }
      var marker = L.marker([lat, lng], {
        title: card.dataset.title,
        alt: card.dataset.title,
        keyboard: false, // the list is the keyboard way in; see the cards
        riseOnHover: true,
      });
      marker.bindPopup(popupFor(card));
      marker.addTo(resultsMap.layer);
      resultsMap.markers[card.dataset.hitId] = marker;
      bounds.push([lat, lng]);
    });

    var point = searchedPoint();
    if (point) {
      L.circleMarker([point.lat, point.lng], {
        radius: 6,
        className: "map-point",
        interactive: false,
      }).addTo(resultsMap.layer);
    }
    if (!fit) {
      return;
    }
    if (bounds.length) {
      if (point) {
        bounds.push([point.lat, point.lng]);
      }
      map.fitBounds(bounds, { padding: [32, 32], maxZoom: 14 });
    } else if (point) {
      map.setView([point.lat, point.lng], 11);
    } else {
      map.setView([20, 0], 2);
    }
  }

  function initResultsMap(container) {
    var map = createMap(container, { scrollWheelZoom: true });
    resultsMap = { map: map, markers: {}, layer: L.layerGroup().addTo(map) };
    map.setView([20, 0], 2);
    syncResultMarkers(true);
  }

  function highlight(card, on) {
    if (!resultsMap || !card) {
      return;
    }
    var marker = resultsMap.markers[card.dataset.hitId];
    if (!marker) {
      return;
    }
    marker.setZIndexOffset(on ? 1000 : 0);
    var element = marker.getElement();
    if (element) {
      element.classList.toggle("is-active", on);
    }
  }

  function cardFrom(event) {
    return event.target.closest ? event.target.closest("[data-map-hit]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    highlight(cardFrom(event), true);
  });
  document.addEventListener("mouseout", function (event) {
    var card = cardFrom(event);
    if (card && !card.contains(event.relatedTarget)) {
      highlight(card, false);
    }
  });
  document.addEventListener("focusin", function (event) {
    highlight(cardFrom(event), true);
  });
  document.addEventListener("focusout", function (event) {
    var card = cardFrom(event);
    if (card && !card.contains(event.relatedTarget)) {
      highlight(card, false);
    }
  });

  // --- Service area map -------------------------------------------------------------

  function initAreaMap(container) {
    var lat = number(container.dataset.lat);
    var lng = number(container.dataset.lng);
    if (lat === null || lng === null) {
      return;
    }
    var radiusKm = number(container.dataset.radiusKm) || 1;
    var map = createMap(container, { scrollWheelZoom: false });
    map.setView([lat, lng], 11);
    var area = L.circle([lat, lng], {
      radius: radiusKm * 1000,
      className: "map-area",
      interactive: false,
    }).addTo(map);
    L.marker([lat, lng], {
      title: container.dataset.title || "",
      alt: container.dataset.title || "",
      keyboard: false,
    }).addTo(map);
    map.fitBounds(area.getBounds(), { padding: [16, 16] });
  }

  // --- Start, and start again after htmx changes the page -----------------------------

  function initMap(container) {
    if (typeof L === "undefined" || container._leaflet_id) {
      return; // Leaflet did not load (the pages work without maps), or a map already
    }
    if (container.dataset.map === "results") {
      initResultsMap(container);
    } else if (container.dataset.map === "area") {
      initAreaMap(container);
    }
  }

  var leaflet = null; // a Promise once Leaflet is asked for

  function loadOnce(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) {
        element[name] = attributes[name];
      });
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  function loadLeaflet(container) {
    if (typeof L !== "undefined") {
      return Promise.resolve();
    }
    if (!leaflet) {
      var parts = [];
      if (container.dataset.leafletCss) {
        parts.push(loadOnce("link", { rel: "stylesheet", href: container.dataset.leafletCss }));
      }
      if (container.dataset.leafletJs) {
        parts.push(loadOnce("script", { src: container.dataset.leafletJs, async: true }));
      }
      leaflet = Promise.all(parts);
    }
    return leaflet;
  }

  function showMap(container) {
    loadLeaflet(container).then(
      function () {
        initMap(container);
      },
      function () {
        leaflet = null; // not loaded: the fallback stays; a page restored from history tries again
      }
    );
  }

  var watcher =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              if (entry.isIntersecting) {
                watcher.unobserve(entry.target);
                showMap(entry.target);
              }
            });
          },
          // A little ahead, so that the map is usually drawn as it scrolls in.
          { rootMargin: "200px 0px" }
        )
      : null;

  function initMaps() {
    document.querySelectorAll("[data-map]").forEach(function (container) {
      if (container._leaflet_id) {
        return;
      }
      if (watcher) {
        watcher.observe(container);
      } else {
        showMap(container);
      }
    });
  }

  function showLocationButtons() {
    if (!("geolocation" in navigator)) {
      return;
    }
    document.querySelectorAll("[data-use-location]").forEach(function (button) {
      button.hidden = false;
    });
  }

  // The filters come folded (on a phone they sit above the results, and folding
  // them after the first paint would shift the whole list); beside the results on
  // a wide screen they are opened here, where opening them moves nothing else.
  function openFiltersOnWideScreens() {
    if (window.matchMedia(NARROW).matches) {
      return;
    }
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) {
      d.setAttribute("open", "");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    openFiltersOnWideScreens();
    showLocationButtons();
    initMaps();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    showLocationButtons();
    var target = event.detail && event.detail.target;
    syncResultMarkers(Boolean(target && target.id === "search-results"));
  });

  // On "back", htmx asks the server for the page again (the search form says
  // hx-history="false": no stale results, and no copy of Leaflet's styled DOM
  // that the Content-Security-Policy would refuse) and swaps in its body.
  document.addEventListener("htmx:historyRestore", function () {
    resultsMap = null;
    document.querySelectorAll("[data-map]").forEach(function (container) {
      container.replaceChildren();
      container.className = container.className.replace(/\bleaflet-\S+/g, "").trim();
      delete container._leaflet_id;
    });
    showLocationButtons();
    initMaps();
  });

  // --- The search form --------------------------------------------------------------

  function searchForm(element) {
    return element && element.closest ? element.closest("[data-search-form]") : null;
  }

  // Shareable URLs: leave out empty filters, and the price currency when no
  // price is set.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!searchForm(event.detail.elt) || event.detail.verb !== "get") {
      return;
    }
    var params = event.detail.formData;
    if (!params) {
      return;
    }
    Array.from(params.keys()).forEach(function (key) {
      if (params.getAll(key).every(function (value) { return value === ""; })) {
        params.delete(key);
      }
    });
    if (!params.has("price_min") && !params.has("price_max")) {
      params.delete("currency");
    }
  });

  // A 400 answer carries the messages beside the filters: show it like any other.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && searchForm(event.detail.elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-use-location]");
    if (!button) {
      return;
    }
    var form = searchForm(button);
    var status = form && form.querySelector("[data-location-status]");
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    say(button.dataset.locating || "");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("[data-location-lat]").value =
          position.coords.latitude.toFixed(4);
        form.querySelector("[data-location-lng]").value =
          position.coords.longitude.toFixed(4);
        say("");
        form.requestSubmit();
      },
      function () {
        button.disabled = false;
        say(button.dataset.locatedError || "");
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });

  // --- Listing photos ----------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var thumb = event.target.closest && event.target.closest("[data-gallery-thumb]");
    if (!thumb) {
      return;
    }
    var gallery = thumb.closest("[data-gallery]");
    var main = gallery && gallery.querySelector("[data-gallery-main]");
    if (!main) {
      return;
    }
    event.preventDefault();
    main.src = thumb.href;
    main.alt = thumb.dataset.alt || "";
    main.width = parseInt(thumb.dataset.width, 10) || main.width;
    main.height = parseInt(thumb.dataset.height, 10) || main.height;
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (other) {
      other.removeAttribute("aria-current");
    });
    thumb.setAttribute("aria-current", "true");
  });
})();
