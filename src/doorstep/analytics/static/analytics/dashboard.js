// The analytics dashboard's charts, drawn with the vendored Chart.js
// (vendor/chartjs/chart.umd.js). The page works without this file: every
// chart's numbers are in the table under it. Data comes from json_script
// elements (the policy allows no inline script): each
// <canvas data-chart="ID"> reads <script type="application/json" id="ID">.
(function () {
  "use strict";

  var COLOURS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var colour = 0;
    var datasets = data.datasets.map(function (set) {
      var hue = COLOURS[Math.floor(colour / 2) % COLOURS.length];
      colour += 1;
      return {
        label: set.label,
        data: set.data,
        borderColor: hue,
        backgroundColor: hue,
        borderDash: set.previous ? [6, 4] : [],
        borderWidth: set.previous ? 1 : 2,
        pointRadius: data.labels.length > 40 ? 0 : 2,
        spanGaps: false,
        tension: 0.2,
      };
    });
    // eslint-disable-next-line no-new
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: data.axis } },
        },
      },
    });
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
