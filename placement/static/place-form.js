// A new shelter's or hotel's offers follow their defaults while the coordinator answers
// who it takes, same-gender rooms and pets: each offer that some answer ticks by default
// (partners/needs.py: default_offer_codes, served by places/offers.py: offer_defaults) and
// that the coordinator has left as the last answers had it is ticked or unticked with the
// new answers; one changed by hand stays as it is. Without the script the page starts
// with the defaults of the answers it shows.
(function () {
  "use strict";
  var form = document.getElementById("place-form");
  if (!form || !form.dataset.offerDefaults) { return; }
  var defaults = JSON.parse(form.dataset.offerDefaults);
  var ANSWERS = ["policy", "same_gender", "pets"];
  var codes = {};
  Object.keys(defaults).forEach(function (answers) {
    defaults[answers].forEach(function (code) { codes[code] = true; });
  });

  function ticked(name) {
    var input = form.elements[name];
    return input && input.checked ? 1 : 0;
  }
  function answers() {
    var policy = form.elements.policy ? form.elements.policy.value : "";
    return policy + "|" + ticked("same_gender") + "|" + ticked("pets");
  }
  function box(code) {
    return form.querySelector('input[name="offers"][value="' + CSS.escape(code) + '"]');
  }

  var last = answers();
  form.addEventListener("change", function (event) {
    if (ANSWERS.indexOf(event.target.name) < 0) { return; }
    var was = defaults[last] || [];
    var now = defaults[answers()] || [];
    Object.keys(codes).forEach(function (code) {
      var input = box(code);
      if (input && input.checked === (was.indexOf(code) >= 0)) {
        input.checked = now.indexOf(code) >= 0;
      }
    });
    last = answers();
  });
})();
