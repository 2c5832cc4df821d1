// The print button: progressive enhancement (the browser's own Print works without it).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-note");
  if (button) { button.hidden = false; button.addEventListener("click", function () { window.print(); }); }
});
