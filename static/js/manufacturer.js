/*
 * The disputed items' "Manufacturer" field is offered only where it applies:
 * for the categories of drugs and devices named in the wrapper's
 * data-manufacturer-for="A|B|...". Elsewhere it is hidden and disabled (so
 * nothing hidden is sent), keeping what was typed should the category come
 * back. Without JavaScript the field is always there.
 */
(function () {
  "use strict";

  function sync(row) {
    var wrapper = row.querySelector("[data-manufacturer-for]");
    var category = row.querySelector("select[name$='-category']");
    if (!wrapper || !category) { return; }
    var applies = wrapper.getAttribute("data-manufacturer-for").split("|").indexOf(category.value) !== -1;
    wrapper.hidden = !applies;
    wrapper.querySelectorAll("input").forEach(function (input) { input.disabled = !applies; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset-row]").forEach(sync);
    document.addEventListener("change", function (event) {
      if (event.target.matches("select[name$='-category']")) {
        var row = event.target.closest("[data-formset-row]");
        if (row) { sync(row); }
      }
    });
    // Rows added by formset.js start with no category: hide their field too.
    document.querySelectorAll("[data-formset-list]").forEach(function (list) {
      new MutationObserver(function () {
        list.querySelectorAll("[data-formset-row]").forEach(sync);
      }).observe(list, { childList: true });
    });
  });
})();
