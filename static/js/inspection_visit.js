// The inspector's visit form: the phone's position when allowed, and the finding fields shown only for a failing item.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var status = document.getElementById("visit-location");
  if (navigator.geolocation && status) {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      status.textContent = status.dataset.taken || (position.coords.latitude.toFixed(5) + ", " + position.coords.longitude.toFixed(5));
    }, function () { /* refused or unavailable: the visit is recorded without a position */ }, {timeout: 10000});
  }
  function sync(block) {
    var failing = block.querySelector("input[type=radio][value=not_met]:checked");
    block.querySelector(".visit-finding").hidden = !failing;
  }
  form.querySelectorAll(".visit-item").forEach(function (block) {
    sync(block);
    block.addEventListener("change", function () { sync(block); });
  });
  form.addEventListener("submit", function () {
    var button = document.getElementById("visit-submit");
    if (button) { button.disabled = true; }
  });
})();
