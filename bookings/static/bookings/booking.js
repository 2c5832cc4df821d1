// The health step: the yes/no for each warning sign appears once "One or more of these
// applies to me" is chosen, and the ticks once "Something has changed" is. Without
// JavaScript everything stays shown and the server reads whichever was answered.
(function () {
  "use strict";
  var form = document.querySelector(".health-form");
  if (!form) { return; }
  var list = document.getElementById("red-flag-list");
  var parts = form.querySelectorAll("[data-reveal-name]");

  function chosen(part) {
    var checked = form.querySelector('input[name="' + part.dataset.revealName + '"]:checked');
    return checked !== null && checked.value === part.dataset.revealValue;
  }

  function update(reset) {
    parts.forEach(function (part) {
      var show = chosen(part);
      if (!show && reset && !part.hidden) {
        // Hidden answers must not contradict the choice made: back to how the page came.
        part.querySelectorAll("input").forEach(function (input) {
          input.checked = input.type === "checkbox" ? input.defaultChecked : false;
        });
      }
      part.hidden = !show;
      if (part.id === "red-flag-items" && list) { list.hidden = show; }
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "red_flags" || event.target.name === "same") { update(true); }
  });
  update(false);
}());
