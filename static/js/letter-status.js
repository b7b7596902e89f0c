/* Letter status panel (templates/letters/_status.html): polls the case's
   letter-status JSON until no letter is queued or rendering, and redraws the
   list from it. Builds nodes with textContent only: nothing from the server
   is parsed as HTML. */
(function () {
  "use strict";

  var FIRST_DELAY = 1500;
  var MAX_DELAY = 15000;

  function row(letter) {
    var li = document.createElement("li");
    li.className = "list-group-item d-flex flex-wrap align-items-center gap-2";
    li.dataset.letterId = String(letter.id);

    var label = document.createElement("span");
    label.className = "me-auto";
    label.textContent = letter.label;
    li.appendChild(label);

    var badge = document.createElement("span");
    badge.className = "badge " + letter.badge_class;
    badge.dataset.letterState = "";
    badge.textContent = letter.status_label;
    li.appendChild(badge);

    if (letter.download_url) {
      var link = document.createElement("a");
      link.className = "btn btn-sm btn-outline-primary";
      link.href = letter.download_url;
      link.textContent = "Download PDF" + (letter.page_count ? " (" + letter.page_count + " page" + (letter.page_count === 1 ? "" : "s") + ")" : "");
      li.appendChild(link);
    }
    if (letter.error) {
      var error = document.createElement("span");
      error.className = "w-100 small text-danger";
      error.textContent = letter.error;
      li.appendChild(error);
    }
    return li;
  }

  function redraw(panel, data) {
    var list = panel.querySelector("[data-letter-list]");
    var before = panel.dataset.snapshot || "";
    var after = JSON.stringify(data.letters);
    if (before === after) {
      return;
    }
    panel.dataset.snapshot = after;
    if (!data.letters.length) {
      return;
    }
    list.replaceChildren.apply(list, data.letters.map(row));
    var live = panel.querySelector("[data-letter-live]");
    if (live) {
      live.textContent = data.letters.map(function (l) { return l.label + ": " + l.status_label; }).join(". ");
    }
  }

  function watch(panel) {
    if (panel.dataset.letterStatusBound) {
      return;
    }
    panel.dataset.letterStatusBound = "1";
    var url = panel.dataset.letterStatusUrl;
    var delay = FIRST_DELAY;

    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") === -1) {
            throw new Error("stop"); // signed out or no longer allowed: stop polling
          }
          return response.json();
        })
        .then(function (data) {
          redraw(panel, data);
          if (data.pending) {
            delay = Math.min(Math.round(delay * 1.5), MAX_DELAY);
            window.setTimeout(tick, delay);
          }
        })
        .catch(function (error) {
          if (error && error.message !== "stop") {
            window.setTimeout(tick, MAX_DELAY); // network blip: try again later
          }
        });
    }

    if (panel.dataset.pending === "true") {
      window.setTimeout(tick, delay);
    }
  }

  function start() {
    document.querySelectorAll("[data-letter-status-url]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
