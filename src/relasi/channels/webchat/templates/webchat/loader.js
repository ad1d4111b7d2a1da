/* Relasi web chat: the loader for the business's website.
   <script src="https://<relasi>/widget/<token>.js" async></script>
   It adds a launcher button and an <iframe> with the chat, served by Relasi (own styles, own
   storage, own connection). Everything it needs is in its own address; no settings here. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || !window.postMessage) return;
  var match = /^(https?:\/\/[^\/]+)\/widget\/([A-Za-z0-9_-]+)\.js(?:[?#].*)?$/.exec(script.src);
  if (!match) return;
  var base = match[1];
  var token = match[2];
  var registry = (window.__relasiWebchat = window.__relasiWebchat || {});
  if (registry[token]) return;
  registry[token] = true;

  var lang = (script.getAttribute("data-lang") || document.documentElement.getAttribute("lang") || "")
    .slice(0, 2).toLowerCase();
  var src = base + "/widget/" + token + "/?origin=" + encodeURIComponent(window.location.origin) +
    (/^[a-z]{2}$/.test(lang) ? "&lang=" + lang : "");
  var Z = "2147483000";

  function css(el, styles) {
    for (var key in styles) if (Object.prototype.hasOwnProperty.call(styles, key)) el.style[key] = styles[key];
  }

  function small() { return window.innerWidth < 480; }

  function build() {
    var open = false;
    var unread = 0;

    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = "Chat";
    frame.setAttribute("data-relasi-webchat-frame", token);
    css(frame, {
      position: "fixed", right: "20px", bottom: "88px", width: "370px", height: "560px",
      maxHeight: "calc(100vh - 108px)", border: "0", borderRadius: "12px", background: "#fff",
      boxShadow: "0 8px 32px rgba(0,0,0,.25)", zIndex: Z, display: "none", colorScheme: "normal"
    });

    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-relasi-webchat-launcher", token);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", "Chat");
    css(button, {
      position: "fixed", right: "20px", bottom: "20px", width: "56px", height: "56px", padding: "0",
      borderRadius: "50%", border: "0", background: "#0b6e4f", color: "#fff", cursor: "pointer",
      boxShadow: "0 4px 16px rgba(0,0,0,.25)", zIndex: Z, display: "none", lineHeight: "0"
    });
    var svgNS = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(svgNS, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("width", "28");
    icon.setAttribute("height", "28");
    icon.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(svgNS, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z");
    icon.appendChild(path);
    button.appendChild(icon);
    var badge = document.createElement("span");
    css(badge, {
      position: "absolute", top: "-2px", right: "-2px", minWidth: "20px", height: "20px", padding: "0 5px",
      borderRadius: "10px", background: "#b42318", color: "#fff", font: "bold 12px/20px sans-serif",
      display: "none", boxSizing: "border-box"
    });
    button.appendChild(badge);

    function tell(type, token) {
      var message = { source: "relasi-webchat-host", type: type };
      if (token !== undefined) message.token = token;
      if (frame.contentWindow) frame.contentWindow.postMessage(message, base);
    }

    // Browsers that deny storage to frames of other sites: the website keeps the visitor's
    // token for the frame (it only opens this visitor's chat).
    var storageKey = "relasi.webchat." + token;
    function kept() {
      try { return window.localStorage.getItem(storageKey) || ""; } catch (e) { return ""; }
    }
    function keep(value) {
      try {
        if (value) window.localStorage.setItem(storageKey, value);
        else window.localStorage.removeItem(storageKey);
      } catch (e) { /* no storage here either: the visitor fills the form again next time */ }
    }

    function layout() {
      if (small()) {
        css(frame, { right: "0", bottom: "0", width: "100%", height: "100%", maxHeight: "none", borderRadius: "0" });
      } else {
        css(frame, { right: "20px", bottom: "88px", width: "370px", height: "560px",
          maxHeight: "calc(100vh - 108px)", borderRadius: "12px" });
      }
      button.style.display = button.getAttribute("data-ready") && !(open && small()) ? "block" : "none";
    }

    function setOpen(value) {
      open = value;
      frame.style.display = open ? "block" : "none";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { unread = 0; badge.style.display = "none"; }
      layout();
      tell(open ? "open" : "closed");
    }

    button.addEventListener("click", function () { setOpen(!open); });
    window.addEventListener("resize", layout);
    window.addEventListener("message", function (event) {
      if (event.origin !== base || event.source !== frame.contentWindow) return;
      var data = event.data || {};
      if (data.source !== "relasi-webchat") return;
      if (data.type === "ready") {
        if (/^#[0-9a-fA-F]{6}$/.test(data.color || "")) button.style.background = data.color;
        if (data.label) { button.setAttribute("aria-label", String(data.label)); button.title = String(data.label); }
        if (data.title) frame.title = String(data.title);
        button.setAttribute("data-ready", "1");
        layout();
        tell("init", kept());
        tell(open ? "open" : "closed");
      } else if (data.type === "store") {
        keep(typeof data.token === "string" ? data.token : "");
      } else if (data.type === "close") {
        setOpen(false);
        button.focus();
      } else if (data.type === "unread" && !open) {
        unread = Math.max(0, parseInt(data.count, 10) || 0);
        badge.textContent = unread > 9 ? "9+" : String(unread);
        badge.style.display = unread ? "block" : "none";
      }
    });

    document.body.appendChild(frame);
    document.body.appendChild(button);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
