/* The staff calendar: EventCalendar (vendored) over /api/staff/.
 *
 * Every change goes through the booking service behind the API; a refusal puts the block
 * back and is shown and announced. Times are the clinic's wall-clock times without an
 * offset ("floating"), so the calendar shows clinic time in any browser zone.
 * No inline script: the setup comes from a JSON script tag (CSP without unsafe-inline).
 */
(function () {
  "use strict";
  const el = document.getElementById("calendar");
  const setupTag = document.getElementById("calendar-setup");
  if (!el || !setupTag || typeof EventCalendar === "undefined") return;
  const setup = JSON.parse(setupTag.textContent);
  const api = el.dataset.api;
  const statusLine = document.getElementById("cal-status");
  const tip = document.getElementById("cal-tip");
  const $ = (id) => document.getElementById(id);

  // -- small helpers -----------------------------------------------------------------------
  const pad = (n) => String(n).padStart(2, "0");
  const local = (d) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const ymd = (d) => local(d).slice(0, 10);
  const hm = (floatingTime) => floatingTime.slice(11, 16);

  function announce(message, kind) {
    statusLine.textContent = message;
    statusLine.className = "cal-status" + (kind ? " cal-status-" + kind : "");
  }

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(api + path, {
        method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      return { ok: false, status: 0, data: { detail: "The server could not be reached; check the connection and try again." } };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  function problem(result) {
    const data = result.data || {};
    if (data.detail) return data.detail;
    if (data.errors) return data.errors.map((e) => e.message).join(" ");
    return "That did not work (error " + result.status + "); reload the page and try again.";
  }

  function option(select, value, label, selected) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    if (selected) o.selected = true;
    select.appendChild(o);
    return o;
  }

  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // -- the calendar --------------------------------------------------------------------------
  const modes = {
    day: { view: "resourceTimeGridDay", kind: "therapists" },
    week: { view: "resourceTimeGridWeek", kind: "therapists" },
    rooms: { view: "resourceTimeGridDay", kind: "rooms" },
  };
  let mode = "day";
  const weekTherapist = $("cal-week-therapist");
  setup.therapists.forEach((t) =>
    option(weekTherapist, t.id, t.title, setup.ownTherapist && t.id === "t" + setup.ownTherapist)
  );

  function resourcesFor(m) {
    if (m === "rooms") return setup.rooms;
    if (m === "week") return setup.therapists.filter((t) => t.id === weekTherapist.value);
    return setup.therapists;
  }

  function describe(event) {
    const p = event.extendedProps;
    const parts = [
      `${hm(local(event.start))}–${hm(local(event.end))}`,
      p.client,
      p.treatment,
      `with ${p.therapist}`,
      p.statusLabel,
    ];
    return parts.concat(p.flags).join(", ");
  }

  // EventCalendar marks its grid up as an ARIA table whose rows hold more than cells, which
  // screen readers then misread; the grid becomes plain layout, and each appointment is a
  // labelled button instead. Its arrow buttons get names.
  function tidyAria() {
    el.querySelectorAll("[role=table],[role=rowgroup],[role=row],[role=cell],[role=columnheader]").forEach((n) => {
      ["role", "aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount"].forEach((a) => n.removeAttribute(a));
    });
    const prev = el.querySelector("button.ec-prev");
    const next = el.querySelector("button.ec-next");
    if (prev) prev.setAttribute("aria-label", mode === "week" ? "Previous week" : "Previous day");
    if (next) next.setAttribute("aria-label", mode === "week" ? "Next week" : "Next day");
  }

  const ec = EventCalendar.create(el, {
    view: modes[mode].view,
    date: setup.date,
    resources: resourcesFor(mode),
    headerToolbar: { start: "prev,next today", center: "title", end: "" },
    buttonText: { today: "Today" },
    slotMinTime: setup.dayOpens,
    slotMaxTime: setup.dayCloses,
    slotDuration: "00:15",
    slotLabelInterval: "01:00",
    slotHeight: 22,
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    locale: "en-CA",
    scrollTime: "08:00",
    nowIndicator: true,
    allDaySlot: false,
    height: "auto",
    firstDay: 1,
    editable: setup.canChange,
    eventDurationEditable: false, // the length is the treatment option's; change the option to change it
    eventStartEditable: setup.canChange,
    eventSources: [
      {
        events(info, success, failure) {
          const kind = modes[mode].kind;
          call("GET", `calendar?start=${ymd(info.start)}&end=${ymd(info.end)}&view=${kind}`).then((r) => {
            if (r.ok) success(r.data.events);
            else {
              announce(problem(r), "error");
              failure(r.data);
            }
          });
        },
      },
    ],
    viewDidMount: () => setTimeout(tidyAria),
    datesSet: () => setTimeout(tidyAria),
    eventAllUpdated: tidyAria,
    eventContent(info) {
      const p = info.event.extendedProps;
      if (info.event.display === "background") {
        return { domNodes: info.event.title ? [node("span", "cal-bg-label", info.event.title)] : [] };
      }
      const box = node("div", "cal-event");
      // Time and flags share the first line, so a short block still shows its flags.
      const head = node("span", "cal-tags");
      head.appendChild(node("span", "cal-time", `${hm(local(info.event.start))}–${hm(local(info.event.end))}`));
      // Booked and confirmed are the normal case; other statuses and every flag are shown.
      if (p.status !== "booked" && p.status !== "confirmed") head.appendChild(node("span", "cal-flag cal-flag-status", p.statusLabel));
      (p.flags || []).forEach((f) => head.appendChild(node("span", "cal-flag", f)));
      box.appendChild(head);
      box.appendChild(node("strong", "cal-client", p.client));
      box.appendChild(node("span", "cal-treatment", p.treatment));
      return { domNodes: [box] };
    },
    eventDidMount(info) {
      if (info.event.display === "background") return;
      const target = info.el;
      target.tabIndex = 0;
      target.setAttribute("role", "button");
      target.setAttribute("aria-label", describe(info.event));
      target.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          openAppointment(info.event);
        }
      });
      target.addEventListener("focus", () => showTip(info.event, target));
      target.addEventListener("blur", hideTip);
    },
    eventMouseEnter(info) {
      if (info.event.display !== "background") showTip(info.event, info.el);
    },
    eventMouseLeave: hideTip,
    eventClick(info) {
      if (info.event.display !== "background") openAppointment(info.event);
    },
    dateClick(info) {
      if (!setup.canAdd) return;
      const therapist = info.resource && info.resource.extendedProps.therapist;
      openBooking(info.date, therapist || null);
    },
    eventDrop(info) {
      hideTip();
      const moved = info.event;
      const body = { start: local(moved.start) };
      if (info.newResource && info.newResource.extendedProps.therapist) {
        body.therapist = info.newResource.extendedProps.therapist;
      }
      call("POST", `appointments/${moved.id}/move`, body).then((r) => {
        if (r.ok) {
          announce(`Moved ${moved.extendedProps.client} to ${hm(r.data.start)}.`, "ok");
          ec.refetchEvents();
        } else {
          info.revert();
          announce(`Not moved: ${problem(r)}`, "error");
        }
      });
    },
  });

  function setMode(next) {
    mode = next;
    document.querySelectorAll(".cal-week-only").forEach((n) => (n.hidden = mode !== "week"));
    ec.setOption("view", modes[mode].view);
    ec.setOption("resources", resourcesFor(mode));
    // Moving between rooms is not a move of time or therapist: no dragging in the room view.
    ec.setOption("eventStartEditable", setup.canChange && mode !== "rooms");
    ec.refetchEvents();
  }
  document.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", () => setMode(r.value)));
  weekTherapist.addEventListener("change", () => setMode("week"));
  document.querySelectorAll(".cal-week-only").forEach((n) => (n.hidden = true));

  // -- hover and focus card -------------------------------------------------------------------
  function showTip(event, target) {
    const p = event.extendedProps;
    tip.replaceChildren(
      node("strong", "", p.client),
      node("span", "", p.phone ? `Phone ${p.phone}` : "No phone on file"),
      node("span", "", `${p.treatment}, ${p.minutes} min, with ${p.therapist}`),
      node("span", "", `Status: ${p.statusLabel}`),
      ...(p.flags || []).map((f) => node("span", "cal-flag", f))
    );
    const box = target.getBoundingClientRect();
    tip.hidden = false;
    tip.style.top = `${window.scrollY + box.top}px`;
    tip.style.left = `${window.scrollX + Math.min(box.right + 8, window.innerWidth - tip.offsetWidth - 8)}px`;
  }
  function hideTip() {
    tip.hidden = true;
  }

  // -- dialogs -----------------------------------------------------------------------------
  document.querySelectorAll("dialog [data-close]").forEach((b) =>
    b.addEventListener("click", () => b.closest("dialog").close())
  );

  function fillTherapists(select, chosen, withNoPreference) {
    select.replaceChildren();
    if (withNoPreference) option(select, "", "No preference", !chosen);
    setup.therapists.forEach((t) => {
      const id = t.extendedProps.therapist;
      option(select, id, t.title, String(id) === String(chosen));
    });
  }

  async function fillStarts(select, params, wanted) {
    select.replaceChildren(option(document.createElement("select"), "", "Loading…"));
    const query = new URLSearchParams(params);
    const r = await call("GET", `starts?${query}`);
    select.replaceChildren();
    if (!r.ok) {
      option(select, "", problem(r));
      return;
    }
    const seen = new Set();
    const starts = r.data.starts.filter((s) => (seen.has(s.start) ? false : seen.add(s.start)));
    if (!starts.length) {
      option(select, "", "No free time that day");
      return;
    }
    const pick = starts.find((s) => wanted && s.start >= wanted) || starts[0];
    starts.forEach((s) => option(select, s.start, hm(s.start), s === pick));
  }

  // Quick booking: a click on free time opens this, prefilled.
  const book = {
    dialog: $("cal-book"),
    form: $("cal-book-form"),
    error: $("cal-book-error"),
    q: $("cal-client-q"),
    results: $("cal-client-results"),
    chosenLine: $("cal-client-chosen"),
    newToggle: $("cal-new-client-toggle"),
    newFields: $("cal-new-client"),
    option: $("cal-option"),
    therapist: $("cal-therapist"),
    date: $("cal-date"),
    start: $("cal-start"),
    room: $("cal-room"),
    client: null,
    wanted: null,
  };
  setup.options.forEach((o, i) => option(book.option, o.id, o.label, i === 0));
  option(book.room, "", "Any free room", true);
  setup.rooms.forEach((r) => r.extendedProps.room && option(book.room, r.extendedProps.room, r.title));
  book.newToggle.hidden = !setup.canAddClient;
  const rememberedOption = window.localStorage && localStorage.getItem("calendar-option");
  if (rememberedOption && setup.options.some((o) => String(o.id) === rememberedOption)) {
    book.option.value = rememberedOption;
  }

  function refreshBookStarts() {
    const params = { option: book.option.value, date: book.date.value };
    if (book.therapist.value) params.therapist = book.therapist.value;
    if (book.option.value && book.date.value) fillStarts(book.start, params, book.wanted);
  }
  [book.option, book.therapist, book.date].forEach((f) => f.addEventListener("change", () => {
    book.wanted = null;
    refreshBookStarts();
  }));
  book.option.addEventListener("change", () => window.localStorage && localStorage.setItem("calendar-option", book.option.value));

  function chooseClient(client) {
    book.client = client;
    book.results.replaceChildren();
    book.chosenLine.textContent = client ? `Chosen: ${client.name}${client.phone ? ", " + client.phone : ""}` : "";
    if (client) {
      book.newFields.hidden = true;
      $("cal-book-submit").focus();
    }
  }

  let searchTimer = null;
  book.q.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const text = book.q.value.trim();
    if (text.length < 2) {
      book.results.replaceChildren();
      return;
    }
    searchTimer = setTimeout(async () => {
      const r = await call("GET", `clients?q=${encodeURIComponent(text)}`);
      book.results.replaceChildren();
      if (!r.ok) return;
      if (!r.data.length) book.results.appendChild(node("li", "cal-none", "No client found: add a new client."));
      r.data.forEach((c) => {
        const li = node("li");
        const b = node("button", "cal-result", `${c.name}${c.phone ? " · " + c.phone : ""}${c.email ? " · " + c.email : ""}`);
        b.type = "button";
        b.addEventListener("click", () => chooseClient(c));
        li.appendChild(b);
        book.results.appendChild(li);
      });
    }, 200);
  });
  book.newToggle.addEventListener("click", () => {
    chooseClient(null);
    book.newFields.hidden = false;
    const words = book.q.value.trim().split(/\s+/);
    if (words[0] && !/[\d@]/.test(words[0])) {
      $("cal-nc-first").value = words[0];
      $("cal-nc-last").value = words.slice(1).join(" ");
    }
    $("cal-nc-first").focus();
  });

  function openBooking(date, therapistId) {
    book.error.textContent = "";
    book.q.value = "";
    chooseClient(null);
    book.newFields.hidden = true;
    fillTherapists(book.therapist, therapistId, true);
    book.date.value = ymd(date || new Date());
    book.wanted = date ? local(date) : null;
    refreshBookStarts();
    book.dialog.showModal();
    book.q.focus();
  }
  $("cal-new").hidden = !setup.canAdd;
  $("cal-new").addEventListener("click", () => openBooking(null, setup.ownTherapist));

  book.form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {
      option: Number(book.option.value),
      start: book.start.value,
      therapist: book.therapist.value ? Number(book.therapist.value) : null,
      room: book.room.value ? Number(book.room.value) : null,
    };
    if (book.client) body.client = book.client.id;
    else if (!book.newFields.hidden) {
      body.new_client = {
        first_name: $("cal-nc-first").value.trim(),
        last_name: $("cal-nc-last").value.trim(),
        phone: $("cal-nc-phone").value.trim(),
        email: $("cal-nc-email").value.trim(),
      };
    }
    if (!body.start) {
      book.error.textContent = "Choose a start time.";
      book.start.focus();
      return;
    }
    const r = await call("POST", "appointments", body);
    if (r.ok) {
      book.dialog.close();
      const who = book.client ? book.client.name : `${body.new_client.first_name} ${body.new_client.last_name}`.trim();
      announce(`Booked ${who} at ${hm(r.data.start)}.`, "ok");
      ec.refetchEvents();
    } else {
      // Nothing typed is lost: the dialog stays open with every field as it was.
      book.error.textContent = problem(r);
    }
  });

  // Acting on an appointment: the card with its actions.
  const appt = {
    dialog: $("cal-appt"),
    title: $("cal-appt-title"),
    details: $("cal-appt-details"),
    error: $("cal-appt-error"),
    note: $("cal-appt-note"),
    checkIn: $("cal-appt-check-in"),
    cancelForm: $("cal-cancel-form"),
    moveForm: $("cal-move-form"),
    event: null,
  };

  function openAppointment(event) {
    hideTip();
    const p = event.extendedProps;
    appt.event = event;
    appt.error.textContent = "";
    appt.title.textContent = `${p.client}, ${hm(local(event.start))}–${hm(local(event.end))}`;
    const rows = [
      ["Phone", p.phone || "none on file"],
      ["Treatment", `${p.treatment}, ${p.minutes} min`],
      ["Therapist", p.therapist],
      ["Room", p.room || "none"],
      ["Status", p.statusLabel],
      ["Flags", (p.flags || []).join(", ") || "none"],
    ];
    appt.details.replaceChildren(...rows.flatMap(([k, v]) => [node("dt", "", k), node("dd", "", v)]));
    const movable = setup.canChange && p.active && (p.status === "booked" || p.status === "confirmed");
    appt.dialog.querySelectorAll("[data-status]").forEach((b) => {
      const to = b.dataset.status;
      const allowed =
        setup.canChange &&
        ((to === "confirmed" && p.status === "booked") ||
          (to === "no_show" && (p.status === "booked" || p.status === "confirmed") && p.started) ||
          (to === "completed" && p.status === "checked_in"));
      b.hidden = !allowed;
    });
    // Check-in asks the client today's questions on its own page, then comes back here.
    appt.checkIn.hidden = !(setup.canChange && p.checkInUrl);
    if (p.checkInUrl) appt.checkIn.href = `${p.checkInUrl}?next=${encodeURIComponent(location.pathname + location.search)}`;
    appt.note.hidden = !p.noteUrl;
    if (p.noteUrl) appt.note.href = p.noteUrl;
    appt.cancelForm.hidden = !movable;
    appt.moveForm.hidden = !movable;
    if (movable) {
      $("cal-cancel-reason").value = "";
      $("cal-cancel-by-client").checked = false;
      $("cal-move-date").value = ymd(event.start);
      fillTherapists($("cal-move-therapist"), p.therapistId, false);
      refreshMoveStarts(local(event.start));
    }
    appt.dialog.showModal();
  }

  function refreshMoveStarts(wanted) {
    const event = appt.event;
    fillStarts(
      $("cal-move-start"),
      {
        option: event.extendedProps.optionId,
        date: $("cal-move-date").value,
        therapist: $("cal-move-therapist").value,
        appointment: event.id,
      },
      wanted
    );
  }
  $("cal-move-date").addEventListener("change", () => refreshMoveStarts(null));
  $("cal-move-therapist").addEventListener("change", () => refreshMoveStarts(null));

  async function after(result, done) {
    if (result.ok) {
      appt.dialog.close();
      announce(done, "ok");
      ec.refetchEvents();
    } else {
      appt.error.textContent = problem(result);
    }
  }

  appt.dialog.querySelectorAll("[data-status]").forEach((b) =>
    b.addEventListener("click", async () => {
      const event = appt.event;
      const r = await call("POST", `appointments/${event.id}/status`, { to_status: b.dataset.status });
      after(r, `${event.extendedProps.client}: ${r.ok ? r.data.status_label : ""}.`);
    })
  );
  appt.cancelForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const event = appt.event;
    const reason = $("cal-cancel-reason").value.trim();
    if (!reason) {
      appt.error.textContent = "Give a reason for cancelling.";
      $("cal-cancel-reason").focus();
      return;
    }
    const r = await call("POST", `appointments/${event.id}/cancel`, {
      reason,
      by_client: $("cal-cancel-by-client").checked,
    });
    after(r, `Cancelled ${event.extendedProps.client}'s appointment.`);
  });
  appt.moveForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const event = appt.event;
    const start = $("cal-move-start").value;
    if (!start) {
      appt.error.textContent = "Choose a new start time.";
      return;
    }
    const r = await call("POST", `appointments/${event.id}/move`, {
      start,
      therapist: Number($("cal-move-therapist").value),
    });
    after(r, `Moved ${event.extendedProps.client} to ${hm(start)}.`);
  });
})();
