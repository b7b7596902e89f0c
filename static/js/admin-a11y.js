/*
 * Django admin leaves two kinds of controls without an accessible name:
 * the inputs of tabular inlines (their label is the column header, not a
 * <label>) and the autocomplete (select2) comboboxes when nothing is chosen
 * (their aria-labelledby points at the empty selection); the changelist's
 * search box is labelled by an icon only. Name them after the column header
 * or the field's label, also in rows added later.
 */
(function () {
  "use strict";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameInlineFields(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = table.querySelectorAll("thead th");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var row_label = text(row.querySelector("td.original p")) || "new row";
        row.querySelectorAll("td").forEach(function (cell) {
          var index = Array.prototype.indexOf.call(row.children, cell);
          var header = text(headers[index]);
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if (!field.labels || field.labels.length === 0) {
              if (!field.hasAttribute("aria-label") && header) {
                field.setAttribute("aria-label", header + " (" + row_label + ")");
              }
            }
          });
        });
      });
    });
  }

  function nameComboboxes(root) {
    root.querySelectorAll(".select2-selection[role=combobox]").forEach(function (combo) {
      var container = combo.closest(".select2");
      var select = container && container.previousElementSibling;
      if (!select || select.tagName !== "SELECT" || combo.hasAttribute("aria-label")) {
        return;
      }
      var label = select.id ? document.querySelector("label[for='" + select.id + "']") : null;
      var name = text(label).replace(/:$/, "") || select.getAttribute("aria-label") || "";
      if (name) {
        combo.setAttribute("aria-label", name);
        // The read-only textbox inside it shows the choice, or nothing.
        var shown = combo.querySelector(".select2-selection__rendered[role=textbox]");
        if (shown) {
          shown.setAttribute("aria-label", name);
        }
      }
    });
  }

  function nameSearchBar() {
    // Its <label> holds only a magnifier icon; say what the box searches.
    var search = document.getElementById("searchbar");
    if (search && !search.hasAttribute("aria-label")) {
      search.setAttribute("aria-label", "Search");
    }
  }

  function run() {
    nameSearchBar();
    nameInlineFields(document);
    nameComboboxes(document);
  }

  // select2 builds (and for empty or clearable fields rebuilds) its boxes
  // on its own schedule: name them whenever one appears, not at one moment.
  var pending = false;
  function runSoon() {
    if (!pending) {
      pending = true;
      window.setTimeout(function () { pending = false; run(); }, 0);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    run();
    new MutationObserver(function (mutations) {
      for (var i = 0; i < mutations.length; i++) {
        if (mutations[i].addedNodes.length) { runSoon(); return; }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", run);
  document.addEventListener("formset:added", runSoon);
})();
