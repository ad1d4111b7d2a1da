// The inbox page: live updates over the inbox websocket, a slow poll only while it is down,
// and the quick-reply picker on "/" in the composer. No inline script (CSP 'self').
//
// The socket (ws/inbox/<slug>/, address in #realtime[data-ws-url]) sends ids only:
// {"event": "message.created" | "message.updated" | "conversation.updated", "conversation_id",
// "message_id"}. On an event the page re-reads only what changed, over HTTP:
//   - the open thread (#poller[data-poll-url]): messages after the cursor that it does not have,
//     messages whose delivery ticks changed, and the header when the conversation changed;
//   - the conversation list and the view counts (#realtime[data-list-url], through htmx).
// It re-reads both whenever the socket (re)opens, reconnects with a growing delay, and while
// the socket is down polls the thread every 5 s (and the list every 30 s). A socket closed with
// 4403 (signed out, no longer a member) is not reopened.
(function () {
  "use strict";

  var POLL_MS = 5000;
  var LIST_EVERY_POLLS = 6;
  var LIST_DELAY_MS = 400;
  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 30000;
  var REFUSED = 4403;
  var IDS_MAX = 100;

  var socket = null;
  var retryMs = RETRY_FIRST_MS;
  var pollTimer = null;
  var pollTicks = 0;
  var listTimer = null;
  var threadBusy = false;
  var threadAgain = false;

  function byId(id) { return document.getElementById(id); }

  function settings() {
    var el = byId("realtime");
    if (!el) return null;
    var related = {};
    (el.getAttribute("data-related") || "").split(",").forEach(function (id) { if (id) related[id] = true; });
    return {
      el: el,
      wsUrl: el.getAttribute("data-ws-url") || "",
      listUrl: el.getAttribute("data-list-url") || "",
      conversation: el.getAttribute("data-conversation") || "",
      related: related
    };
  }

  function setState(state) {
    var el = byId("realtime");
    if (el) el.setAttribute("data-state", state);
  }

  // The open thread ----------------------------------------------------------------------

  function messageNodes(thread) {
    return Array.prototype.slice.call(thread.querySelectorAll(":scope > li.msg[data-id]"));
  }

  function threadQuery(thread, cursor) {
    var after = parseInt(cursor.getAttribute("data-after") || "0", 10) || 0;
    var have = [];
    var shown = [];
    messageNodes(thread).forEach(function (node) {
      var id = parseInt(node.getAttribute("data-id"), 10);
      if (id > after) have.push(id);
      var ticks = node.querySelector(".ticks");
      if (!ticks) return;
      var match = /(?:^|\s)ticks-(\w+)/.exec(ticks.className);
      if (match && match[1] !== "read") shown.push(id + ":" + match[1]);
    });
    var params = new URLSearchParams();
    params.set("after", String(after));
    if (have.length) params.set("have", have.slice(-IDS_MAX).join(","));
    if (shown.length) params.set("st", shown.slice(-IDS_MAX).join(","));
    params.set("v", cursor.getAttribute("data-version") || "");
    params.set("read", document.hidden ? "0" : "1");
    return params.toString();
  }

  function insertInOrder(thread, node, cursor) {
    var id = parseInt(node.getAttribute("data-id"), 10);
    var nodes = messageNodes(thread);
    for (var i = nodes.length - 1; i >= 0; i--) {
      if (parseInt(nodes[i].getAttribute("data-id"), 10) < id) {
        thread.insertBefore(node, nodes[i].nextSibling);
        return;
      }
    }
    thread.insertBefore(node, nodes.length ? nodes[0] : cursor);
  }

  function threadMerge(html) {
    var thread = byId("thread");
    var cursor = byId("poll-cursor");
    if (!thread || !cursor || !html) return;
    var nearBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var added = false;
    Array.prototype.slice.call(holder.content.children).forEach(function (node) {
      if (node.id === "poll-cursor") {
        cursor.setAttribute("data-after", node.getAttribute("data-after") || "0");
        cursor.setAttribute("data-version", node.getAttribute("data-version") || "");
        return;
      }
      var old = node.id ? byId(node.id) : null;
      if (old) {
        old.replaceWith(node);
      } else if (node.matches("li.msg[data-id]")) {
        insertInOrder(thread, node, cursor);
        added = true;
      }
    });
    if (added && nearBottom) thread.scrollTop = thread.scrollHeight;
  }

  function threadRefresh() {
    var poller = byId("poller");
    var thread = byId("thread");
    var cursor = byId("poll-cursor");
    if (!poller || !thread || !cursor) return;
    if (threadBusy) { threadAgain = true; return; }
    threadBusy = true;
    var url = poller.getAttribute("data-poll-url") + "?" + threadQuery(thread, cursor);
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(threadMerge)
      .catch(function () { /* offline: the next event or poll tries again */ })
      .then(function () {
        threadBusy = false;
        if (threadAgain) { threadAgain = false; threadRefresh(); }
      });
  }

  // The conversation list ------------------------------------------------------------------

  function listRefreshNow() {
    var config = settings();
    if (!config || !config.listUrl || !window.htmx || !byId("conv-list-section")) return;
    var params = new URLSearchParams(window.location.search);
    if (config.conversation) params.set("current", config.conversation);
    var query = params.toString();
    var list = byId("conv-list");
    var scroll = list ? list.scrollTop : 0;
    window.htmx.ajax("GET", config.listUrl + (query ? "?" + query : ""), {
      target: "#conv-list-section", swap: "innerHTML"
    }).then(function () {
      var fresh = byId("conv-list");
      if (fresh) fresh.scrollTop = scroll;
    }, function () { /* offline */ });
  }

  function listRefresh() {
    if (listTimer) return;  // one refresh for a burst of events
    listTimer = window.setTimeout(function () { listTimer = null; listRefreshNow(); }, LIST_DELAY_MS);
  }

  // Events, the socket and the fallback poll ---------------------------------------------

  function onEvent(data) {
    var config = settings();
    if (!config || typeof data.event !== "string") return;
    if (config.related[String(data.conversation_id)]) threadRefresh();
    if (data.event !== "message.updated") listRefresh();
  }

  function pollStart() {
    if (pollTimer) return;
    pollTicks = 0;
    pollTimer = window.setInterval(function () {
      if (document.hidden) return;
      pollTicks += 1;
      threadRefresh();
      if (pollTicks % LIST_EVERY_POLLS === 0) listRefresh();
    }, POLL_MS);
  }

  function pollStop() {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  function socketUrl(raw) {
    if (/^wss?:\/\//.test(raw)) return raw;
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + raw;
  }

  function connect() {
    var config = settings();
    if (!config) return;
    if (!config.wsUrl || !("WebSocket" in window)) { setState("off"); pollStart(); return; }
    try {
      socket = new WebSocket(socketUrl(config.wsUrl));
    } catch (error) {
      setState("closed");
      pollStart();
      return;
    }
    socket.addEventListener("open", function () {
      retryMs = RETRY_FIRST_MS;
      setState("open");
      pollStop();
      if (config.conversation) socket.send(JSON.stringify({ watch: parseInt(config.conversation, 10) }));
      // Whatever changed while the socket was not open yet (or down).
      threadRefresh();
      listRefresh();
    });
    socket.addEventListener("message", function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (error) { return; }
      if (data && data.event) onEvent(data);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      pollStart();
      if (event.code === REFUSED) { setState("refused"); return; }
      setState("closed");
      var wait = retryMs + Math.floor(Math.random() * retryMs / 2);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      window.setTimeout(connect, wait);
    });
  }

  // Quick replies ----------------------------------------------------------------------------

  function setupQuickReplies() {
    var box = document.querySelector("[data-quick-replies]");
    var picker = byId("qr-picker");
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
    var thread = byId("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
    setupQuickReplies();
    connect();
  });
  // Back on the page: mark what arrived meanwhile read, and catch up if the socket is down.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) threadRefresh();
  });
})();
