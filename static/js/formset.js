/*
 * Add and remove rows of a Django formset without reloading the page.
 *
 * Markup: a container with data-formset="<prefix>" holding the management
 * form, rows marked data-formset-row, a <template data-formset-empty> with
 * the formset's empty_form (its fields numbered __prefix__), a button
 * data-formset-add and, in each row, a button data-formset-remove.
 * Rows are renumbered after a removal so the indexes stay 0..n-1, which is
 * what Django expects; without JavaScript the "Delete" checkboxes still work.
 */
(function () {
  "use strict";

  function renumber(container, prefix) {
    var rows = container.querySelectorAll("[data-formset-row]");
    var pattern = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, function (m, idPart) {
              return (idPart || "") + prefix + "-" + index + "-";
            }));
          }
        });
      });
      var number = row.querySelector("[data-formset-number]");
      if (number) { number.textContent = String(index + 1); }
    });
    container.querySelector("#id_" + prefix + "-TOTAL_FORMS").value = String(rows.length);
    var max = parseInt(container.querySelector("#id_" + prefix + "-MAX_NUM_FORMS").value, 10);
    var add = container.querySelector("[data-formset-add]");
    if (add) { add.disabled = rows.length >= max; }
    rows.forEach(function (row) {
      var remove = row.querySelector("[data-formset-remove]");
      if (remove) { remove.disabled = rows.length <= 1; }
    });
  }

  function setup(container) {
    var prefix = container.getAttribute("data-formset");
    var list = container.querySelector("[data-formset-list]");
    var empty = container.querySelector("template[data-formset-empty]");
    // With JavaScript, removing a row replaces the "Delete" checkbox.
    container.querySelectorAll("[data-formset-delete]").forEach(function (el) { el.hidden = true; });

    container.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-formset-remove]");
      if (remove && container.contains(remove)) {
        event.preventDefault();
        var row = remove.closest("[data-formset-row]");
        if (container.querySelectorAll("[data-formset-row]").length > 1) {
          row.remove();
          renumber(container, prefix);
          var first = container.querySelector("[data-formset-row] input, [data-formset-row] select");
          if (first) { first.focus(); }
        }
        return;
      }
      var add = event.target.closest("[data-formset-add]");
      if (add && container.contains(add)) {
        event.preventDefault();
        var total = container.querySelectorAll("[data-formset-row]").length;
        var fragment = empty.content.cloneNode(true);
        fragment.querySelectorAll("[data-formset-delete]").forEach(function (el) { el.hidden = true; });
        list.appendChild(fragment);
        renumber(container, prefix);
        var rows = container.querySelectorAll("[data-formset-row]");
        var field = rows[total] && rows[total].querySelector("input:not([type=hidden]), select, textarea");
        if (field) { field.focus(); }
      }
    });
    renumber(container, prefix);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset]").forEach(setup);
  });
})();
