// A part of a page that changes on the server while it is open ([data-poll-section]: the
// placement card, what more points would do) stays current without a reload: every 5 s it
// asks for the part as it is now (placement/web.py `polled`) and swaps it in when its
// version differs from the one shown (data-version). An answer may carry `status`, the text
// of the element named by data-poll-status, and `open: false`, which ends the polling.
// The polls are not the person's activity (the server marks them passive); once the
// session has ended (401) or the answer is not the part, polling stops.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll-section]");
  if (!box || !window.fetch) { return; }
  var EVERY_MS = 5000;
  var version = box.dataset.version || null;
  var status = box.dataset.pollStatus ? document.getElementById(box.dataset.pollStatus) : null;
  var timer = null;

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  function poll() {
    if (document.hidden) { return; }  // a tab in the background waits for its turn
    fetch(box.dataset.pollSection, {credentials: "same-origin", redirect: "manual",
                                    headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404 ||
            response.type === "opaqueredirect") { stop(); return null; }
        return response.ok ? response.json() : null;  // a server hiccup: try again later
      })
      .then(function (part) {
        if (!part || typeof part.html !== "string") { return; }
        if (version !== null && part.version !== version) {
          box.innerHTML = part.html;  // our own server-rendered, escaped template
        }
        version = part.version;
        if (status && typeof part.status === "string") { status.textContent = part.status; }
        if (part.open === false) { stop(); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  poll();
  timer = window.setInterval(poll, EVERY_MS);
}());
