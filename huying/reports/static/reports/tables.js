// Indicator and ranking forms: show only the period fields the chosen period needs; a new
// table starts from its own default grouping and order (the old ones may not apply to it).
(function () {
  "use strict";
  var NEEDS = { month: ["month"], quarter: ["year", "quarter"], year: ["year"], range: ["start", "end"] };
  function init(form) {
    var kind = form.elements.period;
    function sync() {
      if (!kind || kind.type === "hidden") return;
      var needed = NEEDS[kind.value] || [];
      ["month", "year", "quarter", "start", "end"].forEach(function (name) {
        var box = form.querySelector('[data-field="' + name + '"]');
        if (box) box.hidden = needed.indexOf(name) < 0;
      });
    }
    if (kind) kind.addEventListener("change", sync);
    sync();
    var table = form.elements.table;
    if (table) {
      table.addEventListener("change", function () {
        if (form.elements.by) form.elements.by.value = "";
        if (form.elements.sort) form.elements.sort.value = "";
        form.requestSubmit();
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.period-form").forEach(init);
  });
})();
