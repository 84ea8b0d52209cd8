/* Meetroute embed widget, served at /embed.js. One tag on any site listed in the page's
 * embed origins:
 *
 *   <script src="https://meet.example.com/embed.js" data-page="sales-team"
 *     data-type="discovery-call" data-color="#0f766e" async></script>
 *
 * data-page (required), data-type (a meeting type; none: the page's list), data-color (a
 * #rrggbb brand colour), data-mode="popup" (a button that opens the flow in a dialog;
 * default: inline), data-label (the button's text), data-lang (es, fr, it, en).
 *
 * The iframe resizes to its content. The site gets a `meetroute:booked` message (and the
 * same-named DOM event on the widget's element, detail = {id, start, end, timezone});
 * messages from any origin but this script's, or any window but the widget's, are ignored.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.getAttribute("data-page")) return;
  var origin = new URL(script.src).origin;
  var type = script.getAttribute("data-type");
  var color = script.getAttribute("data-color") || "";
  var lang = script.getAttribute("data-lang") || "";
  var popup = script.getAttribute("data-mode") === "popup";

  var params = new URLSearchParams({ embed: "1", parent: window.location.origin });
  if (/^#[0-9a-fA-F]{6}$/.test(color)) params.set("color", color);
  if (lang) params.set("lang", lang);
  var src =
    origin + "/schedule/" + encodeURIComponent(script.getAttribute("data-page")) + "/" +
    (type ? encodeURIComponent(type) + "/" : "") + "?" + params.toString();

  var host = document.createElement("div");
  host.className = "meetroute-embed";
  script.parentNode.insertBefore(host, script.nextSibling);
  var frame = null;

  function makeFrame() {
    frame = document.createElement("iframe");
    frame.src = src;
    frame.title = script.getAttribute("data-title") || "Booking";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.display = "block";
    frame.style.height = "640px";
    return frame;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "meetroute:resized" && typeof data.height === "number") {
      frame.style.height = Math.max(200, Math.ceil(data.height)) + "px";
    } else if (data.type === "meetroute:booked") {
      host.dispatchEvent(new CustomEvent("meetroute:booked", { bubbles: true, detail: data.booking }));
    }
  });

  if (!popup) {
    host.appendChild(makeFrame());
    return;
  }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = script.getAttribute("data-label") || "Book a meeting";
  button.style.background = color || "#2563eb";
  button.style.color = "#fff";
  button.style.border = "0";
  button.style.borderRadius = "6px";
  button.style.padding = "10px 18px";
  button.style.font = "inherit";
  button.style.cursor = "pointer";
  host.appendChild(button);

  var overlay = null;
  function close() {
    if (!overlay) return;
    overlay.remove();
    overlay = null;
    frame = null;
    document.removeEventListener("keydown", onKey);
    button.focus();
  }
  function onKey(event) {
    if (event.key === "Escape") close();
  }
  button.addEventListener("click", function () {
    overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", button.textContent);
    overlay.style.position = "fixed";
    overlay.style.inset = "0";
    overlay.style.background = "rgba(15, 23, 42, 0.6)";
    overlay.style.overflow = "auto";
    overlay.style.zIndex = "2147483000";
    var box = document.createElement("div");
    box.style.maxWidth = "760px";
    box.style.margin = "40px auto";
    box.style.background = "#fff";
    box.style.borderRadius = "8px";
    var closer = document.createElement("button");
    closer.type = "button";
    closer.textContent = "×";
    closer.setAttribute("aria-label", "Close");
    closer.style.float = "right";
    closer.style.font = "inherit";
    closer.style.fontSize = "24px";
    closer.style.border = "0";
    closer.style.background = "transparent";
    closer.style.cursor = "pointer";
    closer.addEventListener("click", close);
    overlay.addEventListener("click", function (event) {
      if (event.target === overlay) close();
    });
    box.appendChild(closer);
    box.appendChild(makeFrame());
    overlay.appendChild(box);
    document.body.appendChild(overlay);
    document.addEventListener("keydown", onKey);
    closer.focus();
  });
})();
