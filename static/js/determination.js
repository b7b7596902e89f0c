// Determination form: show the "lower evidence level" reason only when it is
// needed, and keep the derived case outcome in step with the radio buttons.
// The server checks both again; this only spares the reviewer a round trip.
(function () {
  "use strict";
  var form = document.getElementById("determination-form");
  if (!form) { return; }
  var levelsNode = document.getElementById("guideline-levels");
  var guidelineLevels = levelsNode ? JSON.parse(levelsNode.textContent) : {};
  var MTUS = "A";

  function effectiveLevel(card) {
    var level = card.querySelector("select[name$='-evidence_level']");
    if (level && level.value) { return level.value; }
    var guideline = card.querySelector("select[name$='-guideline']");
    return guideline && guideline.value ? (guidelineLevels[guideline.value] || "") : "";
  }

  function toggleReason(card) {
    var box = card.querySelector(".lower-level-reason");
    if (!box) { return; }
    var textarea = box.querySelector("textarea");
    var level = effectiveLevel(card);
    var needed = level !== "" && level !== MTUS;
    box.hidden = !needed && !(textarea && textarea.value.trim());
  }

  function updateOutcome() {
    var values = [];
    form.querySelectorAll(".item-decision").forEach(function (card) {
      var checked = card.querySelector("input[type=radio]:checked");
      if (checked && checked.value) { values.push(checked.value); }
    });
    var out = document.getElementById("derived-outcome");
    if (!out) { return; }
    var unique = values.filter(function (v, i) { return values.indexOf(v) === i; });
    if (unique.length === 0) { out.textContent = "Not decided yet"; }
    else if (unique.length === 2) { out.textContent = form.dataset.mixedLabel; }
    else { out.textContent = unique[0] === "upheld" ? "Upheld" : "Overturned"; }
  }

  form.querySelectorAll(".item-decision").forEach(function (card) {
    toggleReason(card);
    card.addEventListener("change", function () { toggleReason(card); updateOutcome(); });
  });
  updateOutcome();
})();
