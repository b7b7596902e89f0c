/* The idle-timeout warning (templates/accounts/_session_timeout.html;
   accounts/sessions.py). The server ends a session SESSION_COOKIE_AGE after
   the user's last request whatever this script does; it only warns first.

   Shortly before the end it asks the session clock how long is left (a
   passive request: it extends nothing; another tab may have been used) and,
   if the end is near, opens the dialog. "Stay signed in" POSTs the
   keep-alive: only a click (or Escape, a key press) sends it, never a timer.
   When the server says the session is over, the page goes to the sign-in
   page, which says the session expired; forms that keep drafts (drafts.js)
   have stored their text by then. */
(function () {
  "use strict";

  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var data = dialog.dataset;
  var warnMs = Number(data.warnSeconds) * 1000;
  var deadline = Date.now() + Number(data.secondsLeft) * 1000;
  var canExtend = data.canExtend === "true";
  var title = dialog.querySelector("[data-title]");
  var remainingText = dialog.querySelector("[data-remaining-text]");
  var countdown = dialog.querySelector("[data-countdown]");
  var announce = dialog.querySelector("[data-announce]");
  var stay = dialog.querySelector("[data-session-stay]");
  var signOut = dialog.querySelector("[data-session-sign-out]");
  var status = document.getElementById("session-timeout-status");
  var timer = null;
  var ticker = null;
  var asking = false;
  var ended = false;
  var lastMinuteSaid = false;

  function left() {
    return deadline - Date.now();
  }

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function inWords(ms) {
    var minutes = Math.max(1, Math.round(ms / 60000));
    return minutes === 1 ? "about a minute" : "about " + minutes + " minutes";
  }

  function learn(answer) {
    deadline = Date.now() + Number(answer.seconds_left) * 1000;
    canExtend = Boolean(answer.can_extend);
  }

  function json(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      return { signed_in: false, seconds_left: 0 }; // sent to a sign-in page: over
    }
    return response.json();
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(0, left() - warnMs));
  }

  function tick() {
    countdown.textContent = clock(left());
    if (!lastMinuteSaid && left() <= 60000) {
      lastMinuteSaid = true;
      announce.textContent = "One minute left before you are signed out.";
    }
    if (left() <= 0) {
      check();
    }
  }

  function show() {
    if (canExtend) {
      title.textContent = "Your session is about to end";
      remainingText.textContent =
        "To protect the medical records, you will be signed out in " + inWords(left()) +
        ": nothing has been saved or opened for a while (typing alone does not count). Choose Stay signed in to go on working.";
    } else {
      title.textContent = "Your session reaches its time limit";
      remainingText.textContent =
        "Sessions last at most a working day: you will be signed out in " + inWords(left()) +
        ". Save your work now, then sign in again.";
    }
    stay.hidden = !canExtend;
    countdown.textContent = clock(left());
    if (!dialog.open) {
      lastMinuteSaid = false;
      announce.textContent = "";
      dialog.showModal();
      (canExtend ? stay : signOut).focus();
    }
    window.clearInterval(ticker);
    ticker = window.setInterval(tick, 1000);
  }

  function hide() {
    window.clearInterval(ticker);
    if (dialog.open) {
      dialog.close();
    }
  }

  function expire() {
    ended = true;
    window.clearTimeout(timer);
    window.clearInterval(ticker);
    title.textContent = "Your session has expired";
    remainingText.textContent = "Taking you to the sign-in page.";
    stay.hidden = true;
    var next = window.location.pathname + window.location.search;
    window.location.assign(data.loginUrl + "?next=" + encodeURIComponent(next));
  }

  // Asks the passive session clock; acts on its answer.
  function check() {
    if (asking || ended) {
      return;
    }
    asking = true;
    fetch(data.statusUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(json)
      .then(function (answer) {
        asking = false;
        if (!answer.signed_in) {
          expire();
          return;
        }
        learn(answer);
        if (left() > warnMs + 1000) {
          hide(); // used in another tab meanwhile
          schedule();
        } else {
          show();
          if (left() <= 0) {
            // The server's clock is a moment behind ours: ask again shortly.
            timer = window.setTimeout(check, 1000);
          }
        }
      })
      .catch(function () {
        asking = false;
        if (left() <= warnMs) {
          show(); // by our own clock, then try again
        }
        timer = window.setTimeout(check, 15000);
      });
  }

  function keepAlive() {
    if (ended || stay.disabled) {
      return;
    }
    stay.disabled = true;
    fetch(data.keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": data.csrfToken },
    })
      .then(json)
      .then(function (answer) {
        stay.disabled = false;
        if (!answer.signed_in) {
          expire();
          return;
        }
        learn(answer);
        hide();
        status.textContent = "You are still signed in.";
        schedule();
      })
      .catch(function () {
        stay.disabled = false;
        announce.textContent = "The server could not be reached. Check the connection, then choose Stay signed in again.";
      });
  }

  stay.addEventListener("click", keepAlive);
  signOut.addEventListener("click", function () {
    var form = document.querySelector("form[data-sign-out]");
    if (form) {
      form.requestSubmit();
    }
  });
  // Escape is a deliberate key press: treat it as "stay", never as closing the warning unanswered.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    if (canExtend) {
      keepAlive();
    }
  });
  // Background tabs' timers are slowed down: look again when the tab comes back.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !ended && left() <= warnMs) {
      check();
    }
  });

  schedule();
})();
