// Shows only the fields that apply to the chosen kind; without script every field shows.
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
})();
