// Follows a match run on its page: asks for its status every 1.5 s and reloads when it ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-run-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-run-status");
  var order = ["queued", "building", "solving", "storing", "done"];

  function show(status) {
    var at = order.indexOf(status);
    box.querySelectorAll("[data-stage]").forEach(function (li) {
      var i = order.indexOf(li.getAttribute("data-stage"));
      li.className = i === at ? "now" : (i < at ? "past" : "");
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.finished) { window.location.reload(); return; }
        show(data.status);
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1500);
}());
