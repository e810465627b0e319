// Keeps the embedded counter live: refreshes the figure from the public API every 30 s.
// The page works without it (the figure is rendered by the server).
(function () {
  "use strict";
  var figure = document.querySelector("[data-count]");
  if (!figure || !window.fetch) {
    return;
  }
  var pledge = figure.getAttribute("data-pledge");
  var api = figure.getAttribute("data-api");
  function refresh() {
    fetch(api, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts) {
          return;
        }
        var count = counts.total;
        if (pledge) {
          var match = counts.pledges.filter(function (p) { return p.slug === pledge; })[0];
          if (!match) {
            return;
          }
          count = match.count;
        }
        figure.textContent = count.toLocaleString("en-GB");
      })
      .catch(function () { /* keep the last figure */ });
  }
  window.setInterval(refresh, 30000);
})();
