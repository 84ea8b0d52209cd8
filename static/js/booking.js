/* Public booking pages: a vanilla-JS client of the public JSON API (docs/api.md).
 *
 * The server renders the page and the form; this script fetches slots for the visible month
 * in the chosen timezone, books, reschedules and cancels. The API is session-less, so the
 * fetches carry no CSRF token (and no cookies are needed). */
(function () {
  "use strict";

  var configNode = document.getElementById("booking-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);

  // The page's language (<html lang>) for strings — Django's JavaScript catalog,
  // /jsi18n/<lang>/, loaded first — and for every date and time Intl formats.
  var LOCALE = document.documentElement.lang || "en";
  var gettext = window.gettext || function (s) { return s; };
  function fmt(s, values) {
    return window.interpolate ? window.interpolate(s, values, true) : s.replace(
      /%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  /* ---------- small helpers ---------- */

  // ``url`` with the one-shot flag ``flag`` (booked, rescheduled) set and the others
  // dropped; the embed and language parameters stay.
  function withParam(url, flag) {
    var u = new URL(url, window.location.href);
    u.searchParams.delete("booked");
    u.searchParams.delete("rescheduled");
    if (flag) u.searchParams.set(flag, "1");
    return u.pathname + u.search;
  }

  // Inside the embed widget: tell the framing site (its origin checked by the server
  // against the page's list) that a booking was made. embedded.js owns the channel.
  function announceBooked(data) {
    document.dispatchEvent(new CustomEvent("meetroute:booked", {
      detail: { id: data.id, start: data.start, end: data.end, timezone: data.timezone },
    }));
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function isoDate(y, m, d) {
    return y + "-" + pad(m) + "-" + pad(d);
  }

  function daysInMonth(y, m) {
    return new Date(Date.UTC(y, m, 0)).getUTCDate();
  }

  function todayIn(tz) {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    })
      .formatToParts(new Date())
      .forEach(function (p) {
        parts[p.type] = p.value;
      });
    return { y: +parts.year, m: +parts.month, d: +parts.day };
  }

  function addDays(ymd, days) {
    var t = new Date(Date.UTC(ymd.y, ymd.m - 1, ymd.d + days));
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
  }

  function detectTimezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || config.pageTimezone;
    } catch (e) {
      return config.pageTimezone;
    }
  }

  function timeLabel(iso, tz) {
    return new Intl.DateTimeFormat(LOCALE, {
      hour: "numeric",
      minute: "2-digit",
      timeZone: tz,
    }).format(new Date(iso));
  }

  function dayLabel(dateStr, withYear) {
    var p = dateStr.split("-");
    var opts = { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" };
    if (withYear) opts.year = "numeric";
    return new Intl.DateTimeFormat(LOCALE, opts).format(
      new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]))
    );
  }

  function monthLabel(y, m) {
    return new Intl.DateTimeFormat(LOCALE, {
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    }).format(new Date(Date.UTC(y, m - 1, 1)));
  }

  function slotLabel(iso, tz) {
    var day = new Intl.DateTimeFormat(LOCALE, {
      weekday: "long",
      month: "long",
      day: "numeric",
      timeZone: tz,
    }).format(new Date(iso));
    return day + " · " + timeLabel(iso, tz) + " (" + tz + ")";
  }

  function newIdempotencyKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map
      .call(b, function (x) {
        return (x + 0x100).toString(16).slice(1);
      })
      .join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join(
      "-"
    );
  }

  function api(url, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    Object.keys(options.headers || {}).forEach(function (k) {
      headers[k] = options.headers[k];
    });
    return fetch(url, {
      method: options.method || "GET",
      headers: headers,
      body: options.body,
      credentials: "omit",
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            return { status: response.status, data: data };
          });
      })
      .catch(function () {
        return { status: 0, data: null };
      });
  }

  function errorOf(result) {
    return (result.data && result.data.error) || { code: "", message: "", fields: {} };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showAlert(alertNode, message, extraNode) {
    alertNode.textContent = "";
    alertNode.appendChild(el("p", {}, message));
    if (extraNode) alertNode.appendChild(extraNode);
    alertNode.hidden = false;
  }

  function hideAlert(alertNode) {
    alertNode.hidden = true;
    alertNode.textContent = "";
  }

  function timezoneOptions(selected) {
    var zones = [];
    try {
      zones = Intl.supportedValuesOf("timeZone").slice();
    } catch (e) {
      zones = [];
    }
    [selected, config.pageTimezone, "UTC"].forEach(function (z) {
      if (z && zones.indexOf(z) === -1) zones.push(z);
    });
    zones.sort();
    var now = new Date();
    return zones.map(function (zone) {
      var offset = "";
      try {
        offset = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
          .formatToParts(now)
          .filter(function (p) {
            return p.type === "timeZoneName";
          })[0].value;
      } catch (e) {
        offset = "";
      }
      return { value: zone, label: zone.replace(/_/g, " ") + (offset ? " (" + offset + ")" : "") };
    });
  }

  /* ---------- the month calendar + slot list ---------- */

  function Picker(root, opts) {
    this.root = root;
    this.slotsUrl = opts.slotsUrl;
    this.onSelect = opts.onSelect;
    this.onTimezoneChange = opts.onTimezoneChange || function () {};
    this.tz = detectTimezone();
    var today = todayIn(this.tz);
    this.year = today.y;
    this.month = today.m;
    this.days = {};
    this.slotDates = {};
    this.selectedDate = null;
    this.selectedSlot = null;
    this.requestId = 0;
    this.autoAdvance = 2;

    this.tzSelect = root.querySelector("[data-tz-select]");
    this.grid = root.querySelector("[data-day-grid]");
    this.daysBox = root.querySelector("[data-days]");
    this.status = root.querySelector("[data-status]");
    this.monthLabel = root.querySelector("[data-month-label]");
    this.prev = root.querySelector("[data-month-prev]");
    this.next = root.querySelector("[data-month-next]");
    this.slotList = root.querySelector("[data-slot-list]");
    this.slotsHeading = root.querySelector("[data-slots-heading]");

    var self = this;
    timezoneOptions(this.tz).forEach(function (o) {
      var option = el("option", { value: o.value }, o.label);
      if (o.value === self.tz) option.selected = true;
      self.tzSelect.appendChild(option);
    });
    this.tzSelect.addEventListener("change", function () {
      self.tz = self.tzSelect.value;
      self.clearSelection();
      self.onTimezoneChange(self.tz);
      self.load();
    });
    this.prev.addEventListener("click", function () {
      self.shiftMonth(-1);
    });
    this.next.addEventListener("click", function () {
      self.shiftMonth(1);
    });
  }

  Picker.prototype.lastDay = function () {
    return addDays(todayIn(this.tz), config.maxDaysAhead || 60);
  };

  /* keepAuto: an automatic move past an empty month, not the visitor's click. */
  Picker.prototype.shiftMonth = function (delta, keepAuto) {
    var m = this.month + delta;
    this.year += Math.floor((m - 1) / 12);
    this.month = ((((m - 1) % 12) + 12) % 12) + 1;
    if (!keepAuto) this.autoAdvance = 0;
    this.clearSelection();
    return this.load();
  };

  Picker.prototype.clearSelection = function () {
    this.selectedDate = null;
    this.selectedSlot = null;
    this.slotsHeading.textContent = gettext("Pick a day");
    this.slotList.textContent = "";
  };

  Picker.prototype.load = function () {
    var self = this;
    var today = todayIn(this.tz);
    var last = this.lastDay();
    var isCurrent = this.year === today.y && this.month === today.m;
    var startDay = isCurrent ? today.d : 1;
    var endDay = daysInMonth(this.year, this.month);
    if (this.year === last.y && this.month === last.m) endDay = Math.min(endDay, last.d);
    var start = isoDate(this.year, this.month, startDay);
    var end = isoDate(this.year, this.month, endDay);

    this.monthLabel.textContent = monthLabel(this.year, this.month);
    this.prev.disabled = isCurrent || this.year * 12 + this.month < today.y * 12 + today.m;
    this.next.disabled = this.year * 12 + this.month >= last.y * 12 + last.m;
    this.days = {};
    this.slotDates = {};
    this.renderGrid(true);
    this.daysBox.setAttribute("aria-busy", "true");
    this.root.classList.add("is-loading");
    this.status.textContent = gettext("Loading available times…");

    var id = ++this.requestId;
    var query =
      "?start=" + start + "&end=" + end + "&timezone=" + encodeURIComponent(this.tz);
    return api(this.slotsUrl + query).then(function (result) {
      if (id !== self.requestId) return;
      self.daysBox.setAttribute("aria-busy", "false");
      self.root.classList.remove("is-loading");
      if (result.status !== 200 || !result.data) {
        self.status.textContent = "";
        self.status.appendChild(
          document.createTextNode(
            (errorOf(result).message || gettext("We couldn't load the available times.")) + " "
          )
        );
        var retry = el("button", { type: "button", className: "link-btn" }, gettext("Try again"));
        retry.addEventListener("click", function () {
          self.load();
        });
        self.status.appendChild(retry);
        self.renderGrid(false);
        return;
      }
      var open = 0;
      (result.data.days || []).forEach(function (day) {
        self.days[day.date] = day.slots || [];
        self.days[day.date].forEach(function (iso) {
          self.slotDates[iso] = day.date;
        });
        if (day.slots && day.slots.length) open += 1;
      });
      if (!open && self.autoAdvance > 0 && !self.next.disabled) {
        self.autoAdvance -= 1;
        return self.shiftMonth(1, true);
      }
      self.autoAdvance = 0;
      var month = { month: monthLabel(self.year, self.month), count: open };
      self.status.textContent = open
        ? fmt(gettext("Days with open times in %(month)s: %(count)s."), month)
        : fmt(gettext("No open times in %(month)s. Try the next month."), month);
      self.renderGrid(false);
      if (self.selectedDate && self.days[self.selectedDate]) {
        self.selectDay(self.selectedDate, false);
      } else if (open) {
        var first = Object.keys(self.days)
          .sort()
          .filter(function (d) {
            return self.days[d].length;
          })[0];
        self.selectDay(first, false);
      }
    });
  };

  Picker.prototype.renderGrid = function (loading) {
    var self = this;
    this.grid.textContent = "";
    var offset = (new Date(Date.UTC(this.year, this.month - 1, 1)).getUTCDay() + 6) % 7;
    for (var i = 0; i < offset; i += 1) {
      this.grid.appendChild(el("span", { className: "day-blank", "aria-hidden": "true" }));
    }
    var total = daysInMonth(this.year, this.month);
    for (var d = 1; d <= total; d += 1) {
      var date = isoDate(this.year, this.month, d);
      var slots = this.days[date] || [];
      var label =
        dayLabel(date, false) +
        (loading
          ? ""
          : slots.length
          ? ", " + slots.length + (slots.length === 1 ? " time" : " times") + " available"
          : ", no times available");
      var button = el("button", {
        type: "button",
        className: "day" + (slots.length ? " has-slots" : ""),
        "data-date": date,
        "aria-label": label,
        "aria-pressed": date === this.selectedDate ? "true" : "false",
      }, String(d));
      button.disabled = loading || !slots.length;
      button.addEventListener("click", function (event) {
        self.selectDay(event.currentTarget.getAttribute("data-date"), true);
      });
      this.grid.appendChild(button);
    }
  };

  Picker.prototype.selectDay = function (date, focusSlots) {
    var self = this;
    this.selectedDate = date;
    Array.prototype.forEach.call(this.grid.querySelectorAll(".day"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-date") === date ? "true" : "false");
    });
    this.slotsHeading.textContent = dayLabel(date, false);
    this.slotList.textContent = "";
    var slots = this.days[date] || [];
    if (!slots.length) {
      this.slotList.appendChild(el("p", { className: "muted" }, gettext("No open times on this day.")));
      // The waitlist (static/js/waitlist.js) offers to notify the visitor for this day.
      document.dispatchEvent(new CustomEvent("meetroute:day-full", {
        detail: { date: date, timezone: this.tz, container: this.slotList },
      }));
      return;
    }
    slots.forEach(function (iso) {
      var button = el("button", {
        type: "button",
        className: "slot",
        "data-slot": iso,
        "aria-pressed": iso === self.selectedSlot ? "true" : "false",
      }, timeLabel(iso, self.tz));
      button.addEventListener("click", function () {
        self.selectSlot(iso);
      });
      self.slotList.appendChild(button);
    });
    if (focusSlots) this.slotList.querySelector(".slot").focus();
  };

  Picker.prototype.selectSlot = function (iso) {
    var date = this.slotDates[iso];
    if (date && this.selectedDate !== date) this.selectDay(date, false);
    this.selectedSlot = iso;
    Array.prototype.forEach.call(this.slotList.querySelectorAll(".slot"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-slot") === iso ? "true" : "false");
    });
    this.onSelect(iso, this.tz);
  };

  Picker.prototype.nextSlotsAfter = function (iso, count) {
    var after = new Date(iso).getTime();
    var all = [];
    var self = this;
    Object.keys(this.days)
      .sort()
      .forEach(function (date) {
        self.days[date].forEach(function (s) {
          if (new Date(s).getTime() > after) all.push(s);
        });
      });
    return all.slice(0, count);
  };

  /* Reload the visible month (after a slot was taken) and list the next open times. */
  Picker.prototype.alternativesAfter = function (iso, count) {
    var self = this;
    var keepDate = this.selectedDate;
    this.selectedSlot = null;
    return this.load().then(function () {
      if (keepDate && self.days[keepDate]) self.selectDay(keepDate, false);
      return self.nextSlotsAfter(iso, count);
    });
  };

  function alternativesNode(picker, slots, onPick) {
    if (!slots.length) {
      return el("p", {}, gettext("There are no more open times this month; try the next month."));
    }
    var wrap = el("div", { className: "alternatives" });
    wrap.appendChild(el("p", {}, gettext("Next available times:")));
    var list = el("div", { className: "slot-list" });
    slots.forEach(function (iso) {
      var b = el("button", { type: "button", className: "slot", "data-slot": iso },
        slotLabel(iso, picker.tz));
      b.addEventListener("click", function () {
        picker.selectSlot(iso);
        onPick(iso);
      });
      list.appendChild(b);
    });
    wrap.appendChild(list);
    return wrap;
  }

  /* ---------- booking page ---------- */

  function clearFieldErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (p) {
      p.hidden = true;
      p.textContent = "";
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) {
      n.removeAttribute("aria-invalid");
    });
  }

  function setFieldError(form, name, messages) {
    var target = form.querySelector('[data-error-for="' + name + '"]');
    if (!target) return false;
    target.textContent = [].concat(messages).join(" ");
    target.hidden = false;
    var field = form.querySelector('[data-field="' + name + '"]');
    var control = field && (field.matches("fieldset") ? field : field.querySelector("input, select, textarea"));
    if (control) control.setAttribute("aria-invalid", "true");
    return true;
  }

  // Once the prospect changes a field, its old error no longer describes it: hide it.
  function clearErrorOnChange(form) {
    function clear(event) {
      var field = event.target.closest("[data-field]");
      if (!field) return;
      var name = field.getAttribute("data-field");
      var message = form.querySelector('[data-error-for="' + name + '"]');
      if (message) {
        message.hidden = true;
        message.textContent = "";
      }
      var control = field.matches("fieldset") ? field : field.querySelector("[aria-invalid]");
      if (control) control.removeAttribute("aria-invalid");
    }
    form.addEventListener("input", clear);
    form.addEventListener("change", clear);
  }

  function focusFirstError(form) {
    var invalid = form.querySelector('[aria-invalid="true"]');
    if (!invalid) return;
    var focusable = invalid.matches("fieldset") ? invalid.querySelector("input") : invalid;
    if (focusable) focusable.focus();
  }

  function readAnswers(form) {
    var answers = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-question]"), function (node) {
      var key = node.getAttribute("data-question");
      var type = node.getAttribute("data-type");
      if (type === "checkbox") {
        answers[key] = node.checked;
      } else if (type === "multiselect") {
        var picked = Array.prototype.map.call(
          node.querySelectorAll("input:checked"),
          function (i) {
            return i.value;
          }
        );
        if (picked.length) answers[key] = picked;
      } else {
        var value = node.value.trim();
        if (value === "") return;
        answers[key] = type === "number" && !isNaN(Number(value)) ? Number(value) : value;
      }
    });
    return answers;
  }

  function validateLocally(form) {
    var ok = true;
    function fail(name, message) {
      setFieldError(form, name, message);
      ok = false;
    }
    var email = form.elements.email;
    if (!form.elements.name.value.trim()) fail("name", gettext("Please enter your name."));
    if (!email.value.trim()) fail("email", gettext("Please enter your email."));
    else if (!email.checkValidity()) fail("email", gettext("Please enter a valid email address."));
    Array.prototype.forEach.call(form.querySelectorAll("[data-question]"), function (node) {
      var key = "answers." + node.getAttribute("data-question");
      var type = node.getAttribute("data-type");
      if (type === "multiselect") {
        if (node.getAttribute("data-required") && !node.querySelector("input:checked")) {
          fail(key, gettext("Please choose at least one."));
        }
      } else if (type === "checkbox") {
        if (node.required && !node.checked) fail(key, gettext("Please tick this box."));
      } else if (node.required && !node.value.trim()) {
        fail(key, gettext("This field is required."));
      } else if (node.value.trim() && !node.checkValidity()) {
        fail(key, type === "number" ? gettext("Please enter a number.") : gettext("Please check this value."));
      }
    });
    return ok;
  }

  function initBookingPage() {
    var details = document.getElementById("step-details");
    var form = document.getElementById("booking-form");
    var alertNode = details.querySelector("[data-form-alert]");
    var chosenLabel = details.querySelector("[data-chosen-label]");
    var submit = form.querySelector("[data-submit]");
    var choice = null;
    var lastBody = null;
    var lastKey = null;

    function choose(iso, tz, focusForm) {
      choice = { start: iso, timezone: tz };
      chosenLabel.textContent = slotLabel(iso, tz);
      details.hidden = false;
      if (focusForm) details.querySelector("#step-details-heading").focus();
    }

    var picker = new Picker(document.getElementById("picker"), {
      slotsUrl: config.slotsUrl,
      onSelect: function (iso, tz) {
        hideAlert(alertNode);
        choose(iso, tz, true);
      },
      onTimezoneChange: function () {
        choice = null;
        details.hidden = true;
      },
    });
    picker.load();

    details.querySelector("[data-change-time]").addEventListener("click", function () {
      var target = picker.slotList.querySelector(".slot") || picker.tzSelect;
      target.focus();
      target.scrollIntoView({ block: "center" });
    });

    clearErrorOnChange(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      hideAlert(alertNode);
      clearFieldErrors(form);
      if (!choice) {
        showAlert(alertNode, gettext("Please choose a time first."));
        return;
      }
      if (!validateLocally(form)) {
        focusFirstError(form);
        return;
      }
      var body = {
        start: choice.start,
        timezone: choice.timezone,
        name: form.elements.name.value.trim(),
        email: form.elements.email.value.trim(),
        answers: readAnswers(form),
      };
      ["phone", "company", "country", "notes", "website"].forEach(function (f) {
        var v = form.elements[f].value.trim();
        if (v) body[f] = v;
      });
      var json = JSON.stringify(body);
      // Same body again (a retry after a network error) → same key, so at most one booking.
      if (json !== lastBody) {
        lastBody = json;
        lastKey = newIdempotencyKey();
      }
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
      submit.textContent = gettext("Booking…");
      api(config.bookUrl, {
        method: "POST",
        body: json,
        headers: { "Idempotency-Key": lastKey },
      }).then(function (result) {
        if (result.status === 202 && result.data) {
          // BOOKING_EMAIL_CONFIRMATION: the time is held; the emailed link confirms it.
          submit.textContent = gettext("Check your email");
          showAlert(
            alertNode,
            fmt(
              gettext("Almost done: we sent a link to %(email)s. Open it to confirm your booking; until then the time is held for you."),
              { email: body.email }
            )
          );
          return;
        }
        if (result.status === 201 && result.data && result.data.manage_token) {
          submit.textContent = gettext("Booked!");
          announceBooked(result.data);
          window.location.assign(
            withParam(
              config.manageUrl.replace("TOKEN", encodeURIComponent(result.data.manage_token)),
              "booked"
            )
          );
          return;
        }
        submit.disabled = false;
        submit.removeAttribute("aria-busy");
        submit.textContent = gettext("Book meeting");
        handleBookingError(result);
      });
    });

    function handleBookingError(result) {
      var error = errorOf(result);
      if (result.status === 409 && error.code === "slot_unavailable") {
        var taken = choice.start;
        // The waitlist (static/js/waitlist.js) offers to notify the visitor if it frees up.
        document.dispatchEvent(new CustomEvent("meetroute:slot-taken", {
          detail: {
            start: taken,
            timezone: choice.timezone,
            name: form.elements.name.value.trim(),
            phone: form.elements.phone.value.trim(),
            email: form.elements.email.value.trim(),
            container: details,
          },
        }));
        choice = null;
        lastBody = null;
        chosenLabel.textContent = gettext("Please pick another time.");
        showAlert(alertNode, gettext("That time was just taken. Loading the next available times…"));
        picker.alternativesAfter(taken, 6).then(function (slots) {
          showAlert(
            alertNode,
            gettext("That time was just taken — please pick another one."),
            alternativesNode(picker, slots, function () {
              hideAlert(alertNode);
              submit.focus();
            })
          );
          var first = alertNode.querySelector("button");
          if (first) first.focus();
        });
        alertNode.scrollIntoView({ block: "center" });
        return;
      }
      if (result.status === 400) {
        var fields = error.fields || {};
        var unplaced = [];
        Object.keys(fields).forEach(function (name) {
          if (!setFieldError(form, name, fields[name])) unplaced.push([].concat(fields[name]).join(" "));
        });
        if (fields.start || fields.timezone) {
          picker.load();
        }
        showAlert(
          alertNode,
          unplaced.length ? unplaced.join(" ") : gettext("Please check the fields marked below.")
        );
        focusFirstError(form);
        return;
      }
      if (result.status === 409 && error.code === "conflict") {
        lastBody = null;
      }
      if (result.status === 0) {
        showAlert(alertNode, gettext("We couldn't reach the server. Check your connection and try again."));
        return;
      }
      showAlert(alertNode, error.message || gettext("Something went wrong. Please try again."));
    }
  }

  /* ---------- manage page ---------- */

  function initManagePage() {
    var alertNode = document.querySelector("[data-form-alert]");
    var openReschedule = document.querySelector("[data-open-reschedule]");
    var openCancel = document.querySelector("[data-open-cancel]");
    var reschedulePanel = document.getElementById("reschedule-panel");
    var cancelPanel = document.getElementById("cancel-panel");
    var confirmReschedule = document.querySelector("[data-confirm-reschedule]");
    var choiceBox = document.querySelector("[data-reschedule-choice]");
    var choiceLabel = choiceBox.querySelector("[data-chosen-label]");
    var picker = null;
    var choice = null;

    function toggle(button, panel, other, otherButton) {
      var open = panel.hidden;
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      other.hidden = true;
      otherButton.setAttribute("aria-expanded", "false");
      hideAlert(alertNode);
      return open;
    }

    function choose(iso, tz) {
      choice = { start: iso, timezone: tz };
      choiceLabel.textContent = fmt(gettext("New time: %(time)s"), { time: slotLabel(iso, tz) });
      choiceBox.hidden = false;
      confirmReschedule.hidden = false;
    }

    openReschedule.addEventListener("click", function () {
      if (!toggle(openReschedule, reschedulePanel, cancelPanel, openCancel)) return;
      if (!picker) {
        picker = new Picker(reschedulePanel.querySelector("#picker"), {
          slotsUrl: config.slotsUrl,
          onSelect: function (iso, tz) {
            hideAlert(alertNode);
            choose(iso, tz);
            confirmReschedule.focus();
          },
          onTimezoneChange: function () {
            choice = null;
            choiceBox.hidden = true;
            confirmReschedule.hidden = true;
          },
        });
        picker.load();
      }
      picker.tzSelect.focus();
    });

    openCancel.addEventListener("click", function () {
      if (toggle(openCancel, cancelPanel, reschedulePanel, openReschedule)) {
        cancelPanel.querySelector("textarea").focus();
      }
    });

    confirmReschedule.addEventListener("click", function () {
      if (!choice) return;
      confirmReschedule.disabled = true;
      confirmReschedule.setAttribute("aria-busy", "true");
      confirmReschedule.textContent = gettext("Moving…");
      api(config.rescheduleUrl, {
        method: "POST",
        body: JSON.stringify({ start: choice.start, timezone: choice.timezone }),
      }).then(function (result) {
        if (result.status === 200) {
          window.location.assign(withParam(window.location.href, "rescheduled"));
          return;
        }
        confirmReschedule.disabled = false;
        confirmReschedule.removeAttribute("aria-busy");
        confirmReschedule.textContent = gettext("Move my meeting");
        var error = errorOf(result);
        if (result.status === 409 && error.code === "slot_unavailable") {
          var taken = choice.start;
          choice = null;
          confirmReschedule.hidden = true;
          choiceBox.hidden = true;
          picker.alternativesAfter(taken, 6).then(function (slots) {
            showAlert(
              alertNode,
              gettext("That time was just taken — please pick another one."),
              alternativesNode(picker, slots, function () {
                hideAlert(alertNode);
                confirmReschedule.focus();
              })
            );
          });
          return;
        }
        showAlert(
          alertNode,
          result.status === 0
            ? gettext("We couldn't reach the server. Check your connection and try again.")
            : error.message || gettext("We couldn't move the meeting. Please try again.")
        );
      });
    });

    cancelPanel.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = cancelPanel.querySelector("[data-confirm-cancel]");
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = gettext("Cancelling…");
      var reason = cancelPanel.elements.reason.value.trim();
      api(config.cancelUrl, {
        method: "POST",
        body: JSON.stringify(reason ? { reason: reason } : {}),
      }).then(function (result) {
        if (result.status === 200) {
          window.location.assign(withParam(window.location.href, null));
          return;
        }
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.textContent = gettext("Yes, cancel this meeting");
        showAlert(
          alertNode,
          errorOf(result).message || gettext("We couldn't cancel the meeting. Please try again.")
        );
      });
    });
  }

  // A booking awaiting its email confirmation (BOOKING_EMAIL_CONFIRMATION): one button.
  function initConfirmPage() {
    var button = document.querySelector("[data-confirm-booking]");
    var alertNode = document.querySelector("[data-form-alert]");
    if (!button) return;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      api(config.confirmUrl, { method: "POST", body: "{}" }).then(function (result) {
        if (result.status === 200) {
          window.location.assign(withParam(window.location.href, "booked"));
          return;
        }
        button.disabled = false;
        button.removeAttribute("aria-busy");
        showAlert(
          alertNode,
          result.status === 0
            ? gettext("We couldn't reach the server. Check your connection and try again.")
            : errorOf(result).message || gettext("We couldn't confirm the booking. Please try again.")
        );
      });
    });
  }

  if (config.mode === "book") initBookingPage();
  else if (config.mode === "manage") initManagePage();
  else if (config.mode === "confirm") initConfirmPage();
})();
