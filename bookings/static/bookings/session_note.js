// Enhancement only: clicking a body-map region toggles its checkbox; without JS the link
// moves focus to it.
document.querySelectorAll(".bodymap a[data-checkbox]").forEach(function (a) {
  a.addEventListener("click", function (e) {
    var box = document.getElementById(a.dataset.checkbox);
    if (box) { e.preventDefault(); box.checked = !box.checked; box.focus(); }
  });
});
