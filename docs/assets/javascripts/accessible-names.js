/*
 * Names for Material's widgets that its templates leave unnamed, so that
 * screen readers can announce them (and axe-core stops flagging them): the
 * search dialog, and the page-loading progress bar should instant navigation
 * ever be turned on. Both live outside the part of the page that instant
 * navigation would swap, so naming them once is enough.
 */
(function () {
  "use strict";

  function name(selector, label) {
    document.querySelectorAll(selector).forEach(function (element) {
      if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) {
        element.setAttribute("aria-label", label);
      }
    });
  }

  function nameWidgets() {
    name(".md-search[role=dialog]", "Search");
    name(".md-progress[role=progressbar]", "Loading the page");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", nameWidgets);
  } else {
    nameWidgets();
  }
})();
