// The chat inside the widget frame: pre-chat form, then the conversation over a websocket
// (HTTP polling when websockets do not work). The visitor is known by a signed token kept in
// this frame's localStorage: no cookie. Where the browser denies storage to a frame of another
// site (Safari, Brave, third-party cookies blocked), the loader keeps the token in the
// website's own localStorage and hands it over when the frame starts. No inline script.
(function () {
  "use strict";

  var body = document.body;
  var cfg = {
    token: body.getAttribute("data-widget"),
    embed: body.getAttribute("data-embed"),
    parent: body.getAttribute("data-parent"),
    lang: body.getAttribute("data-lang") || "id",
    color: body.getAttribute("data-color"),
    visitorUrl: body.getAttribute("data-visitor-url"),
    messagesUrl: body.getAttribute("data-messages-url"),
    receiptsUrl: body.getAttribute("data-receipts-url"),
    wsBase: body.getAttribute("data-ws-base"),
    wsPath: body.getAttribute("data-ws-path")
  };
  var T = JSON.parse(document.getElementById("wc-strings").textContent);
  var embedded = window.parent !== window && !!cfg.parent;
  var storageKey = "relasi.webchat." + cfg.token;
  var memoryToken = null;

  var parentOpen = !embedded;
  var ws = null;
  var wsReady = false;
  var everReady = false;
  var failedOpens = 0;
  var retryDelay = 1000;
  var mode = "WebSocket" in window && cfg.wsBase !== "off" ? "ws" : "http";
  var pollTimer = null;
  var pingTimer = null;
  var lastId = 0;
  var loaded = false;
  var rendered = {};
  var pending = {};
  var unread = 0;
  var receiptQueue = { delivered: {}, read: {} };
  var receiptTimer = null;

  function $(id) { return document.getElementById(id); }

  if (/^#[0-9a-fA-F]{6}$/.test(cfg.color || "")) document.documentElement.style.setProperty("--wc-accent", cfg.color);

  // The visitor token ------------------------------------------------------------------

  function storage() {
    try { var s = window.localStorage; s.getItem(storageKey); return s; } catch (e) { return null; }
  }
  function tokenGet() { var s = storage(); return (s && s.getItem(storageKey)) || memoryToken; }
  function tokenSet(value) {
    memoryToken = value;
    var s = storage();
    if (s) { try { s.setItem(storageKey, value); return; } catch (e) { /* full: the website keeps it */ } }
    toParent({ type: "store", token: value });
  }
  function tokenClear() {
    memoryToken = null;
    var s = storage();
    if (s) { try { s.removeItem(storageKey); } catch (e) { /* ignore */ } }
    toParent({ type: "store", token: "" });
  }

  // The website around the frame -------------------------------------------------------

  function toParent(message) {
    if (!embedded) return;
    message.source = "relasi-webchat";
    window.parent.postMessage(message, cfg.parent);
  }
  function visible() { return parentOpen && !document.hidden; }

  window.addEventListener("message", function (event) {
    if (!embedded || event.source !== window.parent || event.origin !== cfg.parent) return;
    var data = event.data || {};
    if (data.source !== "relasi-webchat-host") return;
    if (data.type === "init") {
      if (!storage() && !memoryToken && typeof data.token === "string" && data.token) memoryToken = data.token;
      boot();
    } else if (data.type === "open") {
      parentOpen = true;
      unread = 0;
      toParent({ type: "unread", count: 0 });
      markVisibleRead();
      var target = $("wc-chat").hidden ? $("wc-name") : $("wc-body");
      if (target) target.focus();
    } else if (data.type === "closed") {
      parentOpen = false;
    }
  });
  document.addEventListener("visibilitychange", markVisibleRead);

  // Views ------------------------------------------------------------------------------

  function showPrechat() {
    $("wc-prechat").hidden = false;
    $("wc-chat").hidden = true;
  }
  function showChat() {
    $("wc-prechat").hidden = true;
    $("wc-chat").hidden = false;
  }
  function connStatus(text) {
    var el = $("wc-conn");
    el.textContent = text || "";
    el.hidden = !text;
  }
  function applyAvailability(a) {
    if (!a) return;
    var state = $("wc-state");
    state.setAttribute("data-open", a.open ? "1" : "0");
    $("wc-notice-text").textContent = a.text || "";
    $("wc-next").textContent = a.next_opening_text || "";
    $("wc-next").hidden = !a.next_opening_text;
    $("wc-notice").hidden = !a.text && !a.next_opening_text;
    $("wc-notice").classList.toggle("wc-away", !a.open);
  }

  // Pre-chat form ----------------------------------------------------------------------

  var FIELDS = ["name", "whatsapp", "email"];

  function showErrors(data, status) {
    var fields = (data && data.fields) || {};
    var first = null;
    FIELDS.forEach(function (name) {
      var input = $("wc-" + name);
      var error = $("wc-" + name + "-error");
      var message = fields[name] || "";
      error.textContent = message;
      error.hidden = !message;
      if (message) { input.setAttribute("aria-invalid", "true"); first = first || input; }
      else input.removeAttribute("aria-invalid");
    });
    var general = $("wc-form-error");
    var text = first ? "" : (data && data.message) || T.error;
    if (status === 429 || status === 403) text = (data && data.message) || T.error;
    general.textContent = text;
    general.hidden = !text;
    if (first) first.focus();
  }

  $("wc-prechat").addEventListener("submit", function (event) {
    event.preventDefault();
    var button = $("wc-start");
    button.disabled = true;
    var payload = { lang: cfg.lang, embed: cfg.embed };
    FIELDS.forEach(function (name) { payload[name] = $("wc-" + name).value; });
    fetch(cfg.visitorUrl, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "X-Relasi-Embed": cfg.embed },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().then(function (data) { return [response.status, data]; });
    }).then(function (result) {
      button.disabled = false;
      if (result[0] === 201 && result[1].token) {
        tokenSet(result[1].token);
        showErrors({}, 201);
        showChat();
        start();
        $("wc-body").focus();
      } else {
        showErrors(result[1], result[0]);
      }
    }).catch(function () {
      button.disabled = false;
      showErrors({ message: T.error }, 0);
    });
  });

  // Messages ---------------------------------------------------------------------------

  function timeText(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      return date.toLocaleTimeString(cfg.lang === "id" ? "id-ID" : "en-GB", { hour: "2-digit", minute: "2-digit" });
    } catch (e) { return ""; }
  }

  function statusText(status) {
    return { sent: T.sent, delivered: T.delivered, read: T.read, received: T.sent }[status] || "";
  }

  function fill(li, m) {
    li.textContent = "";
    li.className = "wc-msg" + (m.from === "visitor" ? " wc-mine" : "");
    li.setAttribute("data-id", String(m.id));
    li.setAttribute("data-from", m.from);
    if (m.from === "business" && m.status === "read") li.setAttribute("data-read", "1");
    if (m.from === "business" && m.sender) {
      var who = document.createElement("span");
      who.className = "wc-who";
      who.textContent = m.sender;
      li.appendChild(who);
    }
    if (m.body) {
      var text = document.createElement("span");
      text.className = "wc-text";
      text.textContent = m.body;
      li.appendChild(text);
    }
    (m.files || []).forEach(function (file) {
      var link = document.createElement("a");
      link.href = file.url;
      link.target = "_blank";
      link.rel = "noopener";
      if (/^image\//.test(file.type || "")) {
        var img = document.createElement("img");
        img.src = file.url;
        img.alt = file.name || T.file;
        link.appendChild(img);
      } else {
        link.textContent = "📎 " + (file.name || T.file);
      }
      li.appendChild(link);
    });
    var meta = document.createElement("span");
    meta.className = "wc-meta";
    meta.textContent = timeText(m.at) + (m.from === "visitor" ? " · " + statusText(m.status) : "");
    li.appendChild(meta);
  }

  function scrollDown() { var list = $("wc-messages"); list.scrollTop = list.scrollHeight; }

  function render(m) {
    if (!m || !m.id) return;
    var li = rendered[m.id];
    if (!li && m.client_id && pending[m.client_id]) {
      li = pending[m.client_id].li;
      delete pending[m.client_id];
    }
    var isNew = !li;
    if (!li) {
      li = document.createElement("li");
      $("wc-messages").appendChild(li);
    }
    rendered[m.id] = li;
    fill(li, m);
    lastId = Math.max(lastId, m.id);
    if (isNew) scrollDown();
    if (m.from === "business") {
      if (m.status === "sent") receiptQueue.delivered[m.id] = true;
      if (m.status !== "read") {
        if (visible()) receiptQueue.read[m.id] = true;
        else if (loaded && isNew) { unread += 1; toParent({ type: "unread", count: unread }); }
      }
      scheduleReceipts();
    }
  }

  function markVisibleRead() {
    if (!visible()) return;
    Object.keys(rendered).forEach(function (id) {
      var li = rendered[id];
      if (li.getAttribute("data-from") === "business" && !li.getAttribute("data-read")) receiptQueue.read[id] = true;
    });
    scheduleReceipts();
  }

  function scheduleReceipts() {
    if (receiptTimer) return;
    receiptTimer = window.setTimeout(flushReceipts, 300);
  }

  function flushReceipts() {
    receiptTimer = null;
    ["delivered", "read"].forEach(function (status) {
      var ids = Object.keys(receiptQueue[status]).map(Number);
      if (!ids.length) return;
      receiptQueue[status] = {};
      if (status === "read") ids.forEach(function (id) { if (rendered[id]) rendered[id].setAttribute("data-read", "1"); });
      if (mode === "ws" && wsReady) ws.send(JSON.stringify({ type: "receipt", status: status, ids: ids }));
      else api(cfg.receiptsUrl, "POST", { status: status, ids: ids }).catch(function () { /* best effort */ });
    });
  }

  // Sending ----------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function markPending(cid, text, failed) {
    var item = pending[cid];
    if (!item) return;
    item.li.classList.toggle("wc-failed", !!failed);
    item.li.querySelector(".wc-meta").textContent = text;
    item.failed = !!failed;
  }

  function sendPending(cid) {
    var item = pending[cid];
    if (!item) return;
    markPending(cid, T.sending, false);
    if (mode === "ws") {
      if (wsReady) ws.send(JSON.stringify({ type: "message", client_id: cid, body: item.body }));
      return; // sent again when the socket is ready
    }
    api(cfg.messagesUrl, "POST", { client_id: cid, body: item.body }).then(function (result) {
      if (result[0] === 200 || result[0] === 201) render(result[1].message);
      else markPending(cid, (result[1] && result[1].message) || T.failed, true);
    }).catch(function () { markPending(cid, T.failed, true); });
  }

  $("wc-composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("wc-body");
    var text = box.value.trim();
    if (!text) return;
    box.value = "";
    var cid = uuid();
    var li = document.createElement("li");
    li.className = "wc-msg wc-mine";
    var span = document.createElement("span");
    span.className = "wc-text";
    span.textContent = text;
    var meta = document.createElement("span");
    meta.className = "wc-meta";
    li.appendChild(span);
    li.appendChild(meta);
    li.addEventListener("click", function () { if (pending[cid] && pending[cid].failed) sendPending(cid); });
    $("wc-messages").appendChild(li);
    scrollDown();
    pending[cid] = { body: text, li: li, failed: false };
    sendPending(cid);
  });

  $("wc-body").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("wc-composer").requestSubmit ? $("wc-composer").requestSubmit() : $("wc-send").click();
    }
  });

  // Websocket --------------------------------------------------------------------------

  function socketUrl() {
    var origin = cfg.wsBase || (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host;
    return origin + cfg.wsPath +
      "?embed=" + encodeURIComponent(cfg.embed) + "&lang=" + encodeURIComponent(cfg.lang);
  }

  function handle(data) {
    if (data.type === "ready") {
      wsReady = true;
      everReady = true;
      failedOpens = 0;
      retryDelay = 1000;
      tokenSet(data.token);
      connStatus("");
      applyAvailability(data.availability);
      (data.messages || []).forEach(render);
      loaded = true;
      Object.keys(pending).forEach(sendPending);
      markVisibleRead();
    } else if (data.type === "message" || data.type === "update" || data.type === "ack") {
      render(data.message);
    } else if (data.type === "error") {
      if (data.client_id && pending[data.client_id]) markPending(data.client_id, data.message || T.failed, true);
      else if (data.code !== "unauthorized") connStatus(data.message || T.error);
    }
  }

  function connect() {
    connStatus(T.connecting);
    var opened = false;
    var socket;
    try { socket = new WebSocket(socketUrl()); } catch (e) { fallback(); return; }
    ws = socket;
    socket.onopen = function () {
      opened = true;
      socket.send(JSON.stringify({ type: "hello", token: tokenGet() }));
      pingTimer = window.setInterval(function () {
        if (socket.readyState === 1) socket.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (event) {
      wsReady = false;
      window.clearInterval(pingTimer);
      if (event.code === 4401) { tokenClear(); showPrechat(); connStatus(""); return; }
      if (event.code === 4403) { connStatus(T.unavailable); return; }
      if (!opened) failedOpens += 1;
      if (!everReady && failedOpens >= 2) { fallback(); return; }
      connStatus(T.offline);
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  // HTTP fallback ----------------------------------------------------------------------

  function api(url, method, payload) {
    var headers = { "X-Relasi-Embed": cfg.embed, Authorization: "Bearer " + tokenGet() };
    var options = { method: method, credentials: "omit", headers: headers };
    if (payload) {
      headers["Content-Type"] = "application/json";
      payload.lang = cfg.lang;
      payload.embed = cfg.embed;
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return [response.status, data]; });
    });
  }

  function poll() {
    var url = cfg.messagesUrl + "?after=" + lastId + "&lang=" + encodeURIComponent(cfg.lang);
    api(url, "GET").then(function (result) {
      if (result[0] === 401) { window.clearInterval(pollTimer); pollTimer = null; tokenClear(); showPrechat(); return; }
      if (result[0] !== 200) { connStatus((result[1] && result[1].message) || T.error); return; }
      connStatus("");
      applyAvailability(result[1].availability);
      (result[1].messages || []).forEach(render);
      loaded = true;
      markVisibleRead();
    }).catch(function () { connStatus(T.offline); });
  }

  function fallback() {
    mode = "http";
    if (pollTimer) return;
    poll();
    pollTimer = window.setInterval(poll, 3000);
    Object.keys(pending).forEach(sendPending);
  }

  function start() {
    if (mode === "ws") connect();
    else fallback();
  }

  // Start ------------------------------------------------------------------------------

  if (embedded) {
    $("wc-close").hidden = false;
    $("wc-close").addEventListener("click", function () { toParent({ type: "close" }); });
  }
  var booted = false;
  function boot() {
    if (booted) return;
    booted = true;
    if (tokenGet()) { showChat(); start(); } else { showPrechat(); }
  }

  toParent({ type: "ready", color: cfg.color, label: T.launcher, title: document.title });
  // Without storage of its own, the frame waits for the token the website keeps ("init").
  if (storage() || !embedded) boot();
  else window.setTimeout(boot, 2000);
})();
