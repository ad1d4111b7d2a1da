// The inbox: poll the open conversation for new messages every 5 s (only after the last id),
// and the quick-reply picker on "/" in the composer. No inline script (CSP 'self').
(function () {
  "use strict";

  function lastId() {
    var cursor = document.getElementById("poll-cursor");
    return cursor ? cursor.getAttribute("data-last-id") || "0" : "0";
  }

  function poll() {
    var poller = document.getElementById("poller");
    var thread = document.getElementById("thread");
    if (!poller || !thread || document.hidden) return;
    var url = poller.getAttribute("data-poll-url") + "?after=" + encodeURIComponent(lastId());
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var holder = document.createElement("ol");
        holder.innerHTML = html;
        var newCursor = holder.querySelector("#poll-cursor");
        var old = document.getElementById("poll-cursor");
        Array.prototype.slice.call(holder.children).forEach(function (node) {
          if (node.id !== "poll-cursor" && !document.getElementById(node.id)) thread.insertBefore(node, old);
        });
        if (newCursor && old) old.setAttribute("data-last-id", newCursor.getAttribute("data-last-id"));
        thread.scrollTop = thread.scrollHeight;
      })
      .catch(function () { /* offline: try again on the next tick */ });
  }

  function setupQuickReplies() {
    var box = document.querySelector("[data-quick-replies]");
    var picker = document.getElementById("qr-picker");
    if (!box || !picker) return;
    var buttons = Array.prototype.slice.call(picker.querySelectorAll("[data-qr]"));
    box.addEventListener("input", function () {
      var match = /^\/([\w-]*)$/.exec(box.value);
      if (!match) { picker.hidden = true; return; }
      var any = false;
      buttons.forEach(function (b) {
        var show = b.getAttribute("data-shortcut").indexOf(match[1].toLowerCase()) === 0;
        b.parentNode.hidden = !show;
        any = any || show;
      });
      picker.hidden = !any;
    });
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        box.value = b.getAttribute("data-qr");
        picker.hidden = true;
        box.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var thread = document.getElementById("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
    setupQuickReplies();
    if (document.getElementById("poller")) window.setInterval(poll, 5000);
  });
})();
