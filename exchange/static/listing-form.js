// Shows only the fields that apply to the chosen kind; without script every field shows.
// The hazardous box follows the material (the server holds the same rule on every path):
// an absolute hazardous material keeps it ticked, a mirror entry starts ticked and asks for
// the analysis report only when unticked.
(function () {
  var form = document.getElementById("listing-form");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  function update() {
    form.querySelectorAll("[data-kind]").forEach(function (el) {
      el.style.display = el.getAttribute("data-kind") === kind.value ? "" : "none";
    });
  }
  kind.addEventListener("change", update);
  update();

  var material = form.querySelector("select[name=material]");
  var box = form.querySelector("input[name=hazardous]");
  if (!form.dataset.hazards || !material || !box) return;
  var hazards = JSON.parse(form.dataset.hazards);
  var basis = form.querySelector("[data-analysis]");
  var note = form.querySelector("[data-hazard-note]");
  function hazard() {
    return hazards[material.value] || "none";
  }
  function follow(chosen) {
    var h = hazard();
    if (chosen) box.checked = h !== "none"; // a newly chosen material starts as its code says
    if (h === "absolute") box.checked = true;
    box.setAttribute("aria-readonly", h === "absolute" ? "true" : "false");
    note.hidden = h !== "absolute";
    basis.style.display = h === "mirror" && !box.checked ? "" : "none";
  }
  box.addEventListener("click", function (event) {
    if (hazard() === "absolute") event.preventDefault();
  });
  box.addEventListener("change", function () { follow(false); });
  material.addEventListener("change", function () { follow(true); });
  follow(false);
})();
