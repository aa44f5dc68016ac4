// A part of a page that a batch in the scheduler is still computing ([data-poll-section],
// e.g. what more points would do) stays current without a reload: every 5 s it asks for the
// part as it is now and swaps it in when it changed; once nothing is under way it stops.
// The polls are not the person's activity (the server marks them passive); a 401 stops them.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll-section]");
  if (!box || !window.fetch) { return; }
  var EVERY_MS = 5000;
  var version = null;
  var timer = null;

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(box.dataset.pollSection, {credentials: "same-origin", redirect: "manual",
                                    headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404 ||
            response.type === "opaqueredirect") { stop(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (part) {
        if (!part || typeof part.html !== "string") { return; }
        if (version !== null && part.version !== version) { box.innerHTML = part.html; }
        version = part.version;
        if (!part.open) { stop(); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  poll();
  timer = window.setInterval(poll, EVERY_MS);
}());
