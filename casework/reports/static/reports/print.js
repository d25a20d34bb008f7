// The dashboard's "Print" button (a static file: the pages' CSP allows scripts from 'self' only).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
