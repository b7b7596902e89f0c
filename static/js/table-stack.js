/*
 * Tables marked .table-stack turn into labelled blocks on narrow screens
 * (static/css/app.css): each cell gets its column's header as data-label, so
 * no column is hidden off the right edge of a phone. Headers that only carry
 * visually hidden text (a "Choose" or "Action" column) give no label; a
 * header with a data-label attribute gives that.
 */
(function () {
  "use strict";

  function label(table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      // A header whose text carries more than its name (a sort link's hints) names itself.
      if (th.hasAttribute("data-label")) { return th.getAttribute("data-label"); }
      var hidden = th.querySelector(".visually-hidden");
      return hidden && hidden.textContent.trim() === th.textContent.trim() ? "" : th.textContent.replace(/\s+/g, " ").trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (headers[index] && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", headers[index]);
        }
      });
    });
  }

  function start() {
    document.querySelectorAll("table.table-stack").forEach(label);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
