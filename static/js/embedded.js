/* Inside the embed widget's iframe (pages opened with ?embed=1): tells the framing site
 * the page's height (`meetroute:resized`) and a new booking (`meetroute:booked`).
 *
 * Messages go only to the origin the server put in #embed-config: the framing site's,
 * and only when the page lists it among its embed origins (the same list its CSP
 * frame-ancestors names), so another site that frames the page learns nothing. */
(function () {
  "use strict";

  var node = document.getElementById("embed-config");
  if (!node || window.parent === window) return;
  var parentOrigin = JSON.parse(node.textContent).parent;
  if (!parentOrigin) return;

  function post(message) {
    window.parent.postMessage(message, parentOrigin);
  }

  var last = 0;
  function resized() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    post({ type: "meetroute:resized", height: height });
  }

  new ResizeObserver(resized).observe(document.documentElement);
  resized();

  // booking.js announces a booking on the document; this forwards it.
  document.addEventListener("meetroute:booked", function (event) {
    post({ type: "meetroute:booked", booking: event.detail });
  });
})();
