// The desk's only script (served by the desk itself): clicking a figure in the tables picks it in the
// correction form. Everything works without it.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("key");
  var value = document.getElementById("value");
  if (!select) { return; }
  document.querySelectorAll(".xxgk-national td[data-key], .equation .part[data-key]").forEach(function (cell) {
    cell.addEventListener("click", function () {
      var key = cell.getAttribute("data-key");
      if (!select.querySelector('option[value="' + CSS.escape(key) + '"]')) { return; }
      select.value = key;
      document.querySelectorAll(".picked").forEach(function (c) { c.classList.remove("picked"); });
      cell.classList.add("picked");
      value.focus();
    });
  });
});
