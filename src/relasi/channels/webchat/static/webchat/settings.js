// The web-chat settings page: copy the script tag. No inline script (CSP 'self').
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done);
      else if (document.execCommand("copy")) done();
    });
  });
});
