// The scoring forms: the total of the five criteria as they are typed, and (on a rating) the
// note that a reason is needed; on a ruling, the scores only while "uphold" is chosen. The
// thresholds come from the page (data-reason-below, data-full-score); the server decides.
(function () {
  "use strict";
  document.querySelectorAll("form[data-scores]").forEach(function (form) {
    var inputs = form.querySelectorAll("input.score");
    var out = form.querySelector("output.total");
    var hint = form.querySelector("[data-reason-hint]");
    var below = parseInt(form.dataset.reasonBelow || "", 10);
    var full = parseInt(form.dataset.fullScore || "", 10);
    function update() {
      var sum = 0, complete = true;
      inputs.forEach(function (input) {
        var v = Number(input.value);
        if (input.value.trim() === "" || !Number.isInteger(v)) { complete = false; } else { sum += v; }
      });
      if (out) {
        out.value = complete ? String(sum) : "—";
        out.parentElement.classList.toggle("low", complete && sum < below);
      }
      if (hint) { hint.hidden = !(complete && (sum < below || sum === full)); }
    }
    function decision() {
      var part = form.querySelector("[data-when-uphold]");
      var chosen = form.querySelector("input[name$='decision']:checked");
      if (part) { part.hidden = chosen !== null && chosen.value !== "uphold"; }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", decision);
    update();
    decision();
  });
})();
