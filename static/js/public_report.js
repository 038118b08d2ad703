// "Use my location" on the public report form: a progressive enhancement. Without script (or without a position)
// the button stays hidden and the address field is how people say where.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!button || !latitude || !longitude || !("geolocation" in navigator)) {
    return;
  }
  button.classList.remove("d-none");
  button.addEventListener("click", function () {
    status.textContent = button.dataset.locating;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = button.dataset.found;
        button.disabled = false;
      },
      function () {
        status.textContent = button.dataset.failed;
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
