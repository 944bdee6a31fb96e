/* Draw every Vega-Lite spec the server put in a .vega[data-spec] element, on load and after each HTMX swap. */
(function () {
  "use strict";
  function draw(root) {
    root.querySelectorAll(".vega[data-spec]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.dataset.spec);
      window.vegaEmbed(el, spec, { mode: "vega-lite", actions: false, renderer: "svg" }).catch(function (err) {
        el.textContent = "This chart could not be drawn (" + err.message + "); its data is in the table below it.";
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    document.body.addEventListener("htmx:afterSwap", function (event) { draw(event.detail.elt.parentNode || document); });
  });
})();
