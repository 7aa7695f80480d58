/*
 * plotly.js 4 texts that its French locale (assets/vendor/plotly-locale-fr.js, 4.1.1) lacks.
 *
 * Plotly.register replaces a locale's dictionary rather than merging, so the additions are
 * merged into the "fr" locale as it is queued in window.PlotlyLocales (which plotly.js reads
 * when it loads, after the assets in Dash). Files at the top of assets/ load before vendor/.
 */
(function () {
  "use strict";
  var extra = {
    "Share chart...": "Partager le graphique…",
  };
  function merge(locale) {
    if (locale && locale.name === "fr" && locale.dictionary) {
      Object.keys(extra).forEach(function (k) {
        if (!(k in locale.dictionary)) locale.dictionary[k] = extra[k];
      });
    }
  }
  var queue = (window.PlotlyLocales = window.PlotlyLocales || []);
  queue.forEach(merge);
  var push = queue.push;
  queue.push = function () {
    Array.prototype.forEach.call(arguments, merge);
    return push.apply(this, arguments);
  };
})();
