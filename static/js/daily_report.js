// The daily report form: one submission per click. The key in the form already makes a repeat harmless on the
// server; disabling the button tells the person the click was taken.
(function () {
  "use strict";
  var form = document.getElementById("daily-report-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function () {
    var button = document.getElementById("daily-report-submit");
    if (button) {
      button.disabled = true;
    }
  });
})();
