/* Keeps a run's page current while the run is queued or running: fetches the progress part of
   the page every few seconds and swaps it in. Without JavaScript the page reloads itself
   (a <noscript> meta refresh); this is the console's only script. */
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  var news = document.getElementById("progress-news");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-poll");
  var delay = 2000;
  var last = null;
  var told = null;

  function state() {
    return box.querySelector("[data-active]");
  }

  function active() {
    var node = state();
    return node !== null && node.getAttribute("data-active") === "true";
  }

  function settle() {
    var node = state();
    if (node && node.getAttribute("data-title")) {
      document.title = document.title.replace(/^Run \d+ \([a-z]+\)/, node.getAttribute("data-title"));
    }
    if (node && news && told !== null && told !== node.getAttribute("data-news")) {
      news.textContent = node.getAttribute("data-news"); // read out by screen readers
    }
    told = node ? node.getAttribute("data-news") : told;
    box.setAttribute("data-polled", String(Date.now()));
  }

  function schedule() {
    if (active()) {
      window.setTimeout(poll, delay);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== last) {
          last = html;
          box.innerHTML = html;
        }
        delay = 2000;
        settle();
        schedule();
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        schedule();
      });
  }

  told = state() ? state().getAttribute("data-news") : null;
  schedule();
})();
