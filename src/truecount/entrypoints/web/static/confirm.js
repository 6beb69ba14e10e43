// Every page: a form or button with data-confirm="question" asks before it is sent
// (deleting, cancelling, approving). Kept in a static file so pages satisfy a strict CSP.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // <select data-autosubmit> sends its form when changed (no inline handlers).
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.requestSubmit();
  });
})();
