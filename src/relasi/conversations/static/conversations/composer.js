// The composer's emoji picker: a small grid of common emoji, inserted at the cursor.
(function () {
  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.focus();
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-emoji-toggle]");
    var picker = document.getElementById("emoji-picker");
    if (toggle && picker) {
      picker.hidden = !picker.hidden;
      toggle.setAttribute("aria-expanded", String(!picker.hidden));
      return;
    }
    var choice = event.target.closest("[data-emoji]");
    var body = document.getElementById("composer-body");
    if (choice && body) {
      insertAtCursor(body, choice.getAttribute("data-emoji"));
    }
  });
  document.addEventListener("keydown", function (event) {
    var picker = document.getElementById("emoji-picker");
    if (event.key === "Escape" && picker && !picker.hidden) {
      picker.hidden = true;
      var toggle = document.querySelector("[data-emoji-toggle]");
      if (toggle) { toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
    }
  });
})();
