// The error summary of a refused form (templates/_forms.html): focused when the page
// loads, so a screen reader reads it and a phone shows it, however far down the first
// error is; each of its links moves the focus to its field (a plain link would only
// scroll), with the field's label in view.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }

  function fieldFor(id) {
    var field = document.getElementById(id);
    if (!field) {  // a place picker: its search box stands for the hidden inputs
      var picker = document.querySelector('.place-picker[data-name="' + CSS.escape(id) + '"]');
      field = picker && picker.querySelector('input[type="search"]');
    }
    return field;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = fieldFor(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    event.preventDefault();
    var label = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    (label || field).scrollIntoView({block: "center"});
    field.focus({preventScroll: true});
  });
  summary.focus();
})();
