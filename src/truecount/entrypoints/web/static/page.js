// Behaviour pages may use without inline script (the Content Security Policy forbids it):
//   <button data-print>  prints the page.   (<select data-autosubmit> is handled in confirm.js.)
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
