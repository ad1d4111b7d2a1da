// Customer simulator: empty the composer after a message went out, keep the newest message in view.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (event.detail.successful && form && form.id === "sim-compose") {
    form.reset();
    var input = document.getElementById("sim-text");
    if (input) input.focus();
  }
});
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "sim-chat") {
    event.detail.target.scrollTop = event.detail.target.scrollHeight;
  }
});
