// Small behaviours every console and phone page shares, written as data attributes rather
// than inline handlers (onchange=, onsubmit=, onclick=) so that the Content-Security-Policy
// can forbid inline script altogether.
//   <select data-autosubmit>        submits its form when the choice changes
//   <form data-confirm="question">  asks before submitting
//   <button data-print>             prints the page
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (el) {
      window.print();
    }
  });
})();
