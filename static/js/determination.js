// Determination form: show the "lower evidence level" reason only when it is
// needed, show the derived case outcome once every item is decided, and
// refresh the "Before you can finalize" list as the reviewer types. The list
// comes from the server (the finalize rules, judged on the unsaved form, whose
// free texts are sent as filled or not), so the rules live in one place; the
// server checks everything again on saving and finalizing.
(function () {
  "use strict";
  var form = document.getElementById("determination-form");
  if (!form) { return; }
  var levelsNode = document.getElementById("guideline-levels");
  var guidelineLevels = levelsNode ? JSON.parse(levelsNode.textContent) : {};
  var MTUS = "A";
  var CHECK_DELAY = 700;

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
    var undecided = false;
    form.querySelectorAll(".item-decision").forEach(function (card) {
      var checked = card.querySelector("input[type=radio]:checked");
      if (checked && checked.value) { values.push(checked.value); } else { undecided = true; }
    });
    var out = document.getElementById("derived-outcome");
    if (!out) { return; }
    var unique = values.filter(function (v, i) { return values.indexOf(v) === i; });
    // No outcome until every item is decided: a partial one would be a guess.
    if (undecided || unique.length === 0) { out.textContent = "Not decided yet"; }
    else if (unique.length === 2) { out.textContent = form.dataset.mixedLabel; }
    else { out.textContent = unique[0] === "upheld" ? "Upheld" : "Overturned"; }
  }

  // --- the live "Before you can finalize" list ---------------------------------
  var checks = document.getElementById("finalize-checks");
  var checkUrl = form.dataset.checkUrl;
  var timer = null;
  var sent = 0;

  function capitalize(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  function drawProblems(problems) {
    var node;
    if (problems.length) {
      node = document.createElement("ul");
      node.className = "list-group list-group-flush small";
      problems.forEach(function (message) {
        var li = document.createElement("li");
        li.className = "list-group-item text-danger-emphasis";
        li.textContent = capitalize(message);
        node.appendChild(li);
      });
    } else {
      node = document.createElement("div");
      node.className = "card-body small text-success-emphasis";
      node.textContent = "Everything required is there.";
    }
    checks.replaceChildren(node);
  }

  // The finalize rules ask only whether a text is filled in, so the check
  // sends "x" or "" for each free text, never the text: what the reviewer
  // types leaves the browser only when they save (and a long text is not
  // sent again at every pause).
  function checkData() {
    var data = new FormData(form);
    form.querySelectorAll("textarea[name], input[type=text][name]").forEach(function (field) {
      data.set(field.name, field.value.trim() ? "x" : "");
    });
    return data;
  }

  function check() {
    var ticket = ++sent;
    fetch(checkUrl, { method: "POST", body: checkData(), credentials: "same-origin", cache: "no-store",
                      headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) { throw new Error("stop"); }
        return response.json();
      })
      .then(function (data) {
        if (ticket === sent) { drawProblems(data.problems || []); }  // an older answer never wins
      })
      .catch(function () { /* signed out or offline: the list stays as it was; saving still checks */ });
  }

  function scheduleCheck() {
    if (!checks || !checkUrl) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(check, CHECK_DELAY);
  }

  form.querySelectorAll(".item-decision").forEach(function (card) {
    toggleReason(card);
    card.addEventListener("change", function () { toggleReason(card); updateOutcome(); });
  });
  form.addEventListener("input", scheduleCheck);
  form.addEventListener("change", scheduleCheck);
  updateOutcome();
})();
