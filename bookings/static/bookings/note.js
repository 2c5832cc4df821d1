// Enhancement only: clicking a region of the figure toggles its checkbox; without
// JavaScript the link moves focus to the checkbox instead.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".bodymap a[data-checkbox]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var box = document.getElementById(a.dataset.checkbox);
      if (box) { e.preventDefault(); box.checked = !box.checked; box.focus(); }
    });
  });
});
