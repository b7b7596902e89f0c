/*
 * New-case form: the "reason to accept a late application" appears only
 * when the dates typed make the application late (more than the filing
 * window after the UR decision). The server decides the same on submit and
 * ignores a reason for a timely application (cases.services.case_register).
 */
(function () {
  "use strict";
  var block = document.querySelector("[data-untimely-block]");
  var received = document.getElementById("id_received_on");
  var urDate = document.getElementById("id_ur_decision_date");
  if (!block || !received || !urDate) { return; }
  var fieldset = block.closest("[data-exceptions]");
  var windowDays = parseInt(block.getAttribute("data-window-days"), 10);

  function days(from, to) {
    var a = Date.parse(from), b = Date.parse(to);
    return isNaN(a) || isNaN(b) ? null : Math.round((b - a) / 86400000);
  }

  function update() {
    var late = days(urDate.value, received.value);
    block.hidden = !(late !== null && late > windowDays);
    if (fieldset) {
      // The fieldset stays while it shows anything else (a likely duplicate).
      var other = fieldset.querySelector("[name=allow_duplicate]");
      fieldset.hidden = block.hidden && !other;
    }
  }

  received.addEventListener("change", update);
  urDate.addEventListener("change", update);
  received.addEventListener("input", update);
  urDate.addEventListener("input", update);
  update();
})();
