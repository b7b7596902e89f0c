/*
 * New-case form: the "reason to accept a late application" appears only
 * when the dates typed make the application late: received after the filing
 * window, counted from service of the UR decision (its date when no service
 * date is typed), longer when it was served by mail. The server decides the
 * same on submit (cases.deadlines) and keeps no reason for a timely
 * application (cases.services.case_register); this is only the hint.
 */
(function () {
  "use strict";
  var block = document.querySelector("[data-untimely-block]");
  var received = document.getElementById("id_received_on");
  var urDate = document.getElementById("id_ur_decision_date");
  var servedOn = document.getElementById("id_ur_decision_served_on");
  var service = document.getElementById("id_ur_decision_service");
  if (!block || !received || !urDate) { return; }
  var fieldset = block.closest("[data-exceptions]");
  var windowDays = parseInt(block.getAttribute("data-window-days"), 10);
  var mailWindowDays = parseInt(block.getAttribute("data-mail-window-days"), 10) || windowDays;

  function days(from, to) {
    var a = Date.parse(from), b = Date.parse(to);
    return isNaN(a) || isNaN(b) ? null : Math.round((b - a) / 86400000);
  }

  function serviceMethod() {
    if (!service) { return "mail"; }
    var checked = service.querySelector ? service.querySelector("input:checked") : null;
    return checked ? checked.value : (service.value || "mail");
  }

  function update() {
    var from = servedOn && servedOn.value ? servedOn.value : urDate.value;
    var late = days(from, received.value);
    var allowed = serviceMethod() === "mail" ? mailWindowDays : windowDays;
    block.hidden = !(late !== null && late > allowed);
    if (fieldset) {
      // The fieldset stays while it shows anything else (a likely duplicate).
      var other = fieldset.querySelector("[name=allow_duplicate]");
      fieldset.hidden = block.hidden && !other;
    }
  }

  [received, urDate, servedOn, service].forEach(function (el) {
    if (el) {
      el.addEventListener("change", update);
      el.addEventListener("input", update);
    }
  });
  update();
})();
