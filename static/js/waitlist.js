/* "Notify me if this frees up": joins the waitlist from the booking page, for a time that
   was just taken (a 409 from the booking) or on a day with no open time. Listens to the
   events booking.js dispatches; talks to POST …/waitlist/ of the public API. */
(function () {
  "use strict";

  var configNode = document.getElementById("booking-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  if (config.mode !== "book") return;
  var joinUrl = config.slotsUrl.replace(/slots\/$/, "waitlist/");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // Minutes east of UTC of ``tz`` at instant ``date``.
  function offsetMinutes(tz, date) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit",
    }).formatToParts(date).forEach(function (p) {
      parts[p.type] = p.value;
    });
    var asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute);
    return Math.round((asUtc - date.getTime()) / 60000);
  }

  // "YYYY-MM-DD" + "HH:MM" on the wall clock of ``tz`` → ISO 8601 with its offset.
  function isoIn(tz, day, time) {
    var wall = Date.parse(day + "T" + time + ":00Z");
    var offset = offsetMinutes(tz, new Date(wall));
    offset = offsetMinutes(tz, new Date(wall - offset * 60000));
    var sign = offset < 0 ? "-" : "+";
    var abs = Math.abs(offset);
    return day + "T" + time + ":00" + sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  function field(label, name, type, value) {
    var wrap = el("div", { class: "field" });
    var id = "wl-" + name;
    wrap.appendChild(el("label", { for: id }, label));
    var input = el("input", { id: id, name: name, type: type });
    if (value) input.value = value;
    wrap.appendChild(input);
    return wrap;
  }

  // The panel: name and phone (and the time, on a full day), then a button.
  function panel(detail, pickTime) {
    var box = el("div", { class: "waitlist-join", "data-waitlist": "" });
    box.appendChild(el("p", {}, pickTime
      ? "This day is full. Tell us a time and we will text you if it frees up."
      : "We can text you if this time frees up."));
    var form = el("form", { novalidate: "" });
    if (pickTime) form.appendChild(field("Time", "time", "time", ""));
    form.appendChild(field("First name", "first_name", "text", (detail.name || "").split(" ")[0]));
    form.appendChild(field("Phone", "phone", "tel", detail.phone));
    var button = el("button", { type: "submit", class: "primary" }, "Notify me if this frees up");
    form.appendChild(button);
    var status = el("p", { role: "status", "data-waitlist-status": "" });
    box.appendChild(form);
    box.appendChild(status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var start = detail.start;
      if (pickTime) start = form.elements.time.value ? isoIn(detail.timezone, detail.date, form.elements.time.value) : "";
      var body = {
        start: start, timezone: detail.timezone,
        first_name: form.elements.first_name.value.trim(),
        phone: form.elements.phone.value.trim(),
      };
      if (detail.email) body.email = detail.email;
      button.disabled = true;
      fetch(joinUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      }).then(function (result) {
        button.disabled = false;
        if (result.status === 201 || result.status === 200) {
          form.hidden = true;
          status.textContent = "You are on the waitlist (number " + result.data.position +
            "). We texted you a link to choose the times that suit you.";
          return;
        }
        var error = (result.data && result.data.error) || {};
        var fields = error.fields || {};
        var details = Object.keys(fields).map(function (k) {
          return [].concat(fields[k]).join(" ");
        });
        status.textContent = details.length ? details.join(" ") : (error.message || "Something went wrong.");
      }).catch(function () {
        button.disabled = false;
        status.textContent = "We couldn't reach the server. Please try again.";
      });
    });
    return box;
  }

  function show(container, box) {
    var old = container.querySelector("[data-waitlist]");
    if (old) old.remove();
    container.appendChild(box);
  }

  document.addEventListener("meetroute:slot-taken", function (event) {
    show(event.detail.container, panel(event.detail, false));
  });
  document.addEventListener("meetroute:day-full", function (event) {
    show(event.detail.container, panel(event.detail, true));
  });
})();
