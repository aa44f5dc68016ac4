// The request form: priority pre-fills the arrival window, and a draft of the form is kept
// in this tab (sessionStorage) so that an expired sign-in during a long call loses nothing.
(function () {
  "use strict";
  var flag = document.getElementById("draft-flag");
  if (flag && flag.dataset.clearDraft === "yes") {
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var key = sessionStorage.key(i);
      if (key && key.indexOf("sb-request-draft-") === 0) { sessionStorage.removeItem(key); }
    }
    return;
  }
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var windows = JSON.parse(form.dataset.windows || "{}");
  var draftKey = form.dataset.draftKey;
  var priority = form.elements.priority;
  var earliest = form.elements.earliest;
  var latest = form.elements.latest;
  var adults = form.elements.adults;
  var reminder = document.getElementById("minor-reminder");
  var auto = form.elements.window_auto;
  var touched = { earliest: auto.value !== "1" && !!earliest.value,
                  latest: auto.value !== "1" && !!latest.value };

  function fillWindow() {
    var w = windows[priority.value];
    if (!w) { return; }
    if (!touched.earliest) { earliest.value = w[0]; }
    if (!touched.latest) { latest.value = w[1]; }
  }
  function showReminder() {
    reminder.hidden = String(adults.value) !== "0";
  }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "submit" &&
        !el.closest(".place-picker");
    });
  }
  var pickers = Array.prototype.slice.call(form.querySelectorAll(".place-picker"));
  function saveDraft() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") { data[el.name] = el.checked; }
      else if (el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else { data[el.name] = el.value; }
    });
    pickers.forEach(function (box) {
      if (box.placePicks) { data["picker:" + box.dataset.name] = box.placePicks(); }
    });
    sessionStorage.setItem(draftKey, JSON.stringify(data));
  }
  function restoreDraft() {
    var saved = sessionStorage.getItem(draftKey);
    if (!saved || form.dataset.fromServer === "yes") { return; }
    var data = JSON.parse(saved);
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = data[el.name].indexOf(o.value) !== -1;
        });
      } else { el.value = data[el.name]; }
    });
    pickers.forEach(function (box) {
      var key = "picker:" + box.dataset.name;
      if (box.setPlacePicks && key in data) { box.setPlacePicks(data[key]); }
    });
    touched.earliest = auto.value !== "1" && !!earliest.value;
    touched.latest = auto.value !== "1" && !!latest.value;
  }

  restoreDraft();
  earliest.addEventListener("input", function () { touched.earliest = true; auto.value = "0"; });
  latest.addEventListener("input", function () { touched.latest = true; auto.value = "0"; });
  priority.addEventListener("change", fillWindow);
  adults.addEventListener("input", showReminder);
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  fillWindow();
  showReminder();
}());
