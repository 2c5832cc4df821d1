document.getElementById("print-note").addEventListener("click", function () { window.print(); });
