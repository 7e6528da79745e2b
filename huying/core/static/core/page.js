// Small behaviours every console and phone page shares, written as data attributes rather
// than inline handlers (onchange=, onsubmit=, onclick=) so that the Content-Security-Policy
// can forbid inline script altogether.
//   <select data-autosubmit>        submits its form when the choice changes
//   <form data-confirm="question">  asks before submitting
//   <button data-print>             prints the page
//   <details data-open-wide>        open on a wide screen, folded on a phone
//   <details class="nav-menu">      a top-bar menu: closes on a click outside it or on Escape
//   <div data-picker>               a checkbox list under a search box ([data-picker-search]):
//                                   typing hides the options whose name does not contain the
//                                   text (ticked ones stay in sight); Enter ticks the only match
//   <select data-item-defaults>     a catalogue item choice whose options carry the defaults the
//                                   item brings (data-lead-label, data-level-label, data-co,
//                                   data-note): choosing another item renames the form's "the
//                                   item's lead" and "the item's level" (the empty first options
//                                   of its select[data-item-lead] and select[data-item-level]),
//                                   rewrites the note
//                                   of its picker and swaps the old item's default ticks
//                                   ([data-default-co]) for the new one's; other ticks stay
//   <button data-pick-item="id" data-pick-level="3" data-pick-reason="…">
//                                   改选 in the 研判建议 panel ([data-suggest-item] rows, the
//                                   buttons hidden until this script shows them): sets the item
//                                   of every triage form on the page (as if chosen in its
//                                   select), its level (empty: the item's default) and, unless
//                                   someone wrote their own, its textarea[data-level-reason];
//                                   the row of the item chosen is marked ([data-picked-mark]);
//                                   a triage form loaded later (a folded panel's) follows it
(function () {
  "use strict";
  function openWide() {
    if (!window.matchMedia("(min-width: 601px)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", openWide);
  else openWide();
  function closeMenus(except) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (d) {
      if (d !== except) d.open = false;
    });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target instanceof Element ? e.target.closest("details.nav-menu") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") closeMenus(null);
  });
  function narrow(search) {
    var picker = search.closest("[data-picker]");
    if (!picker) {
      return [];
    }
    var query = search.value.trim().toLowerCase();
    var shown = [];
    picker.querySelectorAll(".picker-option").forEach(function (option) {
      var box = option.querySelector("input");
      var hit = !query || option.textContent.toLowerCase().indexOf(query) >= 0;
      option.hidden = !(hit || (box && box.checked));
      if (hit) {
        shown.push(option);
      }
    });
    var empty = picker.querySelector("[data-picker-empty]");
    if (empty) {
      empty.hidden = shown.length > 0;
    }
    return shown;
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.hasAttribute("data-picker-search")) {
      narrow(el);
    }
  });
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || !(el instanceof HTMLInputElement) || !el.hasAttribute("data-picker-search")) {
      return;
    }
    event.preventDefault(); // Enter in the search box must not submit the form
    var shown = narrow(el);
    var box = shown.length === 1 ? shown[0].querySelector("input") : null;
    if (box && !box.checked) {
      box.click();
    }
  });
  function ids(text) {
    return (text || "").split(" ").filter(Boolean);
  }
  function followItem(select) {
    var option = select.selectedOptions[0];
    if (!select.form || !option) {
      return;
    }
    var level = select.form.querySelector("select[data-item-level]");
    if (level && level.options.length && level.options[0].value === "" && option.dataset.levelLabel) {
      level.options[0].textContent = option.dataset.levelLabel;
    }
    var lead = select.form.querySelector("select[data-item-lead]");
    if (lead && lead.options.length && lead.options[0].value === "" && option.dataset.leadLabel) {
      lead.options[0].textContent = option.dataset.leadLabel;
    }
    select.form.querySelectorAll("[data-picker][data-default-co]").forEach(function (picker) {
      var before = ids(picker.dataset.defaultCo);
      var after = ids(option.dataset.co);
      picker.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (after.indexOf(box.value) >= 0) {
          box.checked = true;
        } else if (before.indexOf(box.value) >= 0) {
          box.checked = false;
        }
      });
      picker.dataset.defaultCo = after.join(" ");
      var note = picker.querySelector("[data-picker-note]");
      if (note) {
        note.textContent = option.dataset.note || "";
        note.hidden = !note.textContent;
      }
      var search = picker.querySelector("[data-picker-search]");
      if (search) {
        narrow(search);
      }
    });
  }
  function markPicked(id) {
    document.querySelectorAll("[data-suggest-item]").forEach(function (row) {
      var picked = row.dataset.suggestItem === id;
      row.classList.toggle("picked", picked);
      var mark = row.querySelector("[data-picked-mark]");
      var button = row.querySelector("[data-pick-item]");
      if (mark) {
        mark.hidden = !picked;
      }
      if (button) {
        button.hidden = picked;
      }
    });
  }
  function pickItem(button, selects) {
    var id = button.dataset.pickItem;
    var focus = null;
    selects.forEach(function (select) {
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === id; });
      if (!select.form || !known) {
        return;
      }
      select.value = id;
      followItem(select);
      var level = select.form.querySelector("select[data-item-level]");
      if (level) {
        level.value = button.dataset.pickLevel || "";
      }
      var reason = select.form.querySelector("textarea[data-level-reason]");
      if (reason) {
        var untouched = !reason.value.trim() || reason.value === reason.defaultValue ||
          reason.value === reason.dataset.picked;
        if (untouched) {
          reason.value = button.dataset.pickReason || "";
          reason.dataset.picked = reason.value;
        }
      }
      var details = select.closest("details");
      if (!focus && (!details || details.open)) {
        focus = select;
      }
    });
    return focus;
  }
  function followPick(root) {
    var row = document.querySelector("[data-suggest-item].picked");
    var button = row ? row.querySelector("[data-pick-item]") : null;
    if (!(root instanceof Element) || !button) {
      return;
    }
    var selects = Array.prototype.filter.call(
      root.querySelectorAll("select[data-item-defaults]"),
      function (select) { return select.value !== button.dataset.pickItem; }
    );
    pickItem(button, selects);
  }
  function showPicks() {
    var select = document.querySelector("select[data-item-defaults]");
    if (select && document.querySelector("[data-suggest-item]")) {
      markPicked(select.value);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showPicks);
  else showPicks();
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-item-defaults")) {
      followItem(el);
      markPicked(el.value);
    }
  });
  // A folded action panel's form arrives when the panel is opened (cases/detail.html): a
  // triage form follows the item picked since the page was shown.
  document.addEventListener("htmx:load", function (event) {
    followPick(event.detail && event.detail.elt);
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
    var pick = event.target instanceof Element ? event.target.closest("[data-pick-item]") : null;
    if (pick instanceof HTMLButtonElement) {
      var focus = pickItem(pick, document.querySelectorAll("select[data-item-defaults]"));
      markPicked(pick.dataset.pickItem);
      if (focus) {
        focus.focus();
      }
    }
  });
})();
