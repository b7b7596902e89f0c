/* Unsaved form text kept in this browser tab, so a session that expires (or
   a reload, or a refused save) does not throw away typed work.

   A form opts in with data-keep-draft="<name>" (unique for what it edits,
   e.g. "determination:CM26-0000123") and data-draft-version="<the version
   the server last saved>" (it changes with every successful save).

   - What the user types is stored in sessionStorage under
     imr-draft:<user id>:<name>; it is never sent anywhere. sessionStorage
     lives as long as the tab: health information does not outlive it on a
     shared workstation, and the tab that was sent to sign in gets it back.
   - On a page with the form, a stored draft of the same version that differs
     from what the page shows is offered back ("Restore your unsaved text");
     one of another version is dropped, since the server has saved since.
   - An element with data-draft-discard="<name>" (a determination made final)
     drops that draft; signing out (a form[data-sign-out]) drops all of the
     user's; the first page of another user drops the previous user's. */
(function () {
  "use strict";

  var PREFIX = "imr-draft:";
  var SKIPPED_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  var owner = document.body.dataset.draftOwner;
  var store;
  try {
    store = window.sessionStorage;
  } catch (error) {
    return; // storage disabled: nothing is kept
  }
  if (!store || !owner) {
    return; // signed out (the sign-in page): keep the drafts for after signing in
  }
  var mine = PREFIX + owner + ":";
  var signingOut = false;

  function draftKeys() {
    var keys = [];
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        keys.push(key);
      }
    }
    return keys;
  }

  draftKeys().forEach(function (key) {
    if (key.indexOf(mine) !== 0) {
      store.removeItem(key);
    }
  });
  document.querySelectorAll("[data-draft-discard]").forEach(function (node) {
    store.removeItem(mine + node.dataset.draftDiscard);
  });
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () {
      signingOut = true; // nothing is stored after this, not even a last keystroke on leaving
      draftKeys().forEach(function (key) { store.removeItem(key); });
    });
  });

  function kept(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      var type = (el.type || "").toLowerCase();
      return el.name && !el.disabled && el.name !== "csrfmiddlewaretoken" &&
        SKIPPED_TYPES.indexOf(type) === -1 && !el.closest("[data-draft-skip]");
    });
  }

  function snapshot(form) {
    var values = {};
    kept(form).forEach(function (el) {
      if (el.type === "radio") {
        if (!(el.name in values)) { values[el.name] = null; }
        if (el.checked) { values[el.name] = el.value; }
      } else if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) { values[el.name].push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    kept(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      var value = values[el.name];
      var changed = false;
      if (el.type === "radio" || el.type === "checkbox") {
        var on = el.type === "radio" ? el.value === value : Array.isArray(value) && value.indexOf(el.value) !== -1;
        changed = el.checked !== on;
        el.checked = on;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          var on = Array.isArray(value) && value.indexOf(o.value) !== -1;
          changed = changed || o.selected !== on;
          o.selected = on;
        });
      } else if (el.value !== value) {
        el.value = value;
        changed = true;
      }
      if (changed) {
        // The form's own scripts (outcome, checks) follow as if typed.
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function read(key) {
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function button(label, className) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = className;
    node.textContent = label;
    return node;
  }

  function keep(form) {
    var key = mine + form.dataset.keepDraft;
    var version = form.dataset.draftVersion || "";
    var pending = null;
    var typedSinceOffer = false;

    function save() {
      window.clearTimeout(pending);
      pending = null;
      if (signingOut) { return; }
      try {
        store.setItem(key, JSON.stringify({ version: version, savedAt: Date.now(), values: snapshot(form) }));
      } catch (error) {
        // storage full: the draft is not kept, the form works as before
      }
    }

    function later(event) {
      if (!event.isTrusted) { return; } // restoring is not typing
      typedSinceOffer = true;
      window.clearTimeout(pending);
      pending = window.setTimeout(save, 400);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    window.addEventListener("pagehide", function () {
      if (pending) { save(); }
    });

    var stored = read(key);
    if (!stored || !stored.values) { return; }
    if (stored.version !== version || same(stored.values, snapshot(form))) {
      store.removeItem(key); // saved since, or nothing to give back
      return;
    }
    offer(form, stored, function () {
      restore(form, stored.values);
      save();
    }, function () {
      if (!typedSinceOffer) { store.removeItem(key); }
    });
  }

  function offer(form, stored, onRestore, onDiscard) {
    var when = new Date(stored.savedAt).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    var note = document.createElement("div");
    note.className = "alert alert-warning draft-offer";
    note.setAttribute("role", "alert");
    note.tabIndex = -1;
    var text = document.createElement("p");
    text.className = "mb-2";
    var lead = document.createElement("strong");
    lead.textContent = "Unsaved text. ";
    text.append(lead, "This browser tab kept what you typed on this form at " + when +
      ", which was not saved (for example because your session expired).");
    var actions = document.createElement("div");
    actions.className = "d-flex flex-wrap gap-2";
    var yes = button("Restore your unsaved text", "btn btn-primary btn-sm");
    var no = button("Discard it", "btn btn-outline-dark btn-sm");
    actions.append(yes, no);
    note.append(text, actions);
    form.parentNode.insertBefore(note, form);

    function done(message) {
      note.className = "alert alert-info draft-offer";
      note.setAttribute("role", "status");
      note.replaceChildren(message);
      note.focus();
    }

    yes.addEventListener("click", function () {
      onRestore();
      done("Your unsaved text is back in the form. Save it to keep it.");
    });
    no.addEventListener("click", function () {
      onDiscard();
      done("The unsaved text was discarded.");
    });
  }

  document.querySelectorAll("form[data-keep-draft]").forEach(keep);
})();
