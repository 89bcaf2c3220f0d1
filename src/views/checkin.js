// Check-in: search as you type. Without this script the search form still
// works with its button; with it, the list updates after a short pause.
(function () {
  "use strict";
  var form = document.querySelector(".checkin-search");
  if (!form || !window.fetch || !window.DOMParser) { return; }
  var input = form.querySelector("input[type=search]");
  var timer = null;
  function refresh() {
    // The form's own fields (the search, and the item when checking in to
    // one programme item), as the form itself would send them.
    var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        ["ul.checkin-list", "p.headline", "p.checkin-none"].forEach(function (selector) {
          var fresh = next.querySelector(selector);
          var current = document.querySelector(selector);
          if (fresh && current) { current.replaceWith(fresh); }
        });
        history.replaceState(null, "", url);
      });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
