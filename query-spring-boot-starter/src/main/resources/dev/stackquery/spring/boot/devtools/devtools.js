(function () {
  "use strict";
  var base = window.location.pathname.replace(/\/+$/, "");
  function $(id) { return document.getElementById(id); }
  var rows = $("rows"), filter = $("filter"), summary = $("summary"), problem = $("problem");
  var last = null, lastQueries = "", selected = null, lastEvents = "", types = false;
  var csrfHeader = meta("csrf-header"), csrfToken = meta("csrf-token");

  function meta(name) {
    var m = document.querySelector("meta[name='" + name + "']");
    return m ? m.getAttribute("content") : null;
  }

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (className) { e.className = className; }
    return e;
  }

  function badge(text) {
    var td = el("td");
    td.appendChild(el("span", text, "badge " + text));
    return td;
  }

  function get(path) {
    return fetch(base + path, { headers: { "Accept": "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) { var e = new Error(b.error || "HTTP " + r.status); e.status = r.status; throw e; }
        return b;
      });
    });
  }

  function two(n, width) { return String(n).padStart(width || 2, "0"); }

  function time(iso, millis) {
    if (!iso) { return "—"; }
    var t = new Date(iso);
    return two(t.getHours()) + ":" + two(t.getMinutes()) + ":" + two(t.getSeconds()) +
        (millis ? "." + two(t.getMilliseconds(), 3) : "");
  }

  function ago(iso, now) {
    if (!iso) { return "—"; }
    return time(iso) + " (" + seconds(Date.parse(now) - Date.parse(iso)) + " ago)";
  }

  function seconds(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    return s < 120 ? s + "s" : s < 7200 ? Math.round(s / 60) + "m" : Math.round(s / 3600) + "h";
  }

  function button(label, action, key) {
    var b = el("button", label);
    b.setAttribute("data-action", action);
    b.setAttribute("data-key", key);
    b.addEventListener("click", function (e) { e.stopPropagation(); act(action, key); });
    return b;
  }

  // The table: rebuilt only when a query changed, so that a button is never replaced under the pointer; otherwise
  // only the ages move.
  function render() {
    if (!last) { return; }
    var wanted = filter.value.trim().toLowerCase(), shown = 0;
    rows.textContent = "";
    last.queries.forEach(function (q) {
      if (wanted && q.key.toLowerCase().indexOf(wanted) < 0) { return; }
      shown++;
      var tr = el("tr", null, q.key === selected ? "selected" : "");
      tr.setAttribute("data-key", q.key);
      tr.appendChild(el("td", q.key, "key"));
      tr.appendChild(badge(q.status));
      tr.appendChild(badge(q.fetchStatus));
      tr.appendChild(el("td", q.invalidated ? "invalidated" : (q.stale ? "stale" : "fresh"),
          "freshness " + (q.stale ? "stale" : "fresh")));
      tr.appendChild(el("td", String(q.observers)));
      var updated = el("td", ago(q.dataUpdatedAt, last.now), "updated");
      updated.setAttribute("data-updated-at", q.dataUpdatedAt || "");
      tr.appendChild(updated);
      tr.appendChild(el("td", q.failureCount + (q.error ? " · " + q.error : "")));
      var actions = el("td");
      ["Invalidate", "Refetch", "Remove"].forEach(function (label) {
        var b = button(label, label.toLowerCase(), q.key);
        b.disabled = last.writes === false;
        b.title = last.writes === false ? last.writesRefused : "";
        actions.appendChild(b);
      });
      tr.appendChild(actions);
      tr.addEventListener("click", function () { open(q.key); });
      rows.appendChild(tr);
    });
    $("empty").hidden = shown > 0;
    summary.textContent = shown + " of " + last.count + " queries · " + time(last.now);
  }

  function ages() {
    Array.prototype.forEach.call(rows.querySelectorAll("td.updated"), function (td) {
      td.textContent = ago(td.getAttribute("data-updated-at"), last.now);
    });
    summary.textContent = summary.textContent.replace(/[^·]*$/, " " + time(last.now));
  }

  function refresh() {
    get("/api/queries").then(function (body) {
      var queries = JSON.stringify([body.queries, body.writes]);
      last = body;
      problem.textContent = "";
      if (queries === lastQueries) { ages(); } else { lastQueries = queries; render(); }
    }).catch(function (e) { problem.textContent = "cannot reach the application: " + e.message; });
  }

  function act(action, key) {
    var headers = { "Content-Type": "application/json" };
    if (csrfHeader && csrfToken) { headers[csrfHeader] = csrfToken; }
    return fetch(base + "/api/actions", { method: "POST", headers: headers,
        body: JSON.stringify({ action: action, key: key }) })
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; })
            .then(function (b) { throw new Error(b.error || "HTTP " + r.status); });
        }
      })
      .then(function () { problem.textContent = ""; refresh(); events(); if (key === selected) { detail(); } })
      .catch(function (e) { problem.textContent = action + " failed: " + e.message; });
  }

  // The detail panel: built once, its texts replaced on each refresh.
  function open(key) {
    selected = key;
    $("detail").hidden = false;
    $("d-key").textContent = key;
    Array.prototype.forEach.call(rows.querySelectorAll("tr"), function (tr) {
      tr.className = tr.getAttribute("data-key") === key ? "selected" : "";
    });
    detail();
    instances();
  }

  function fact(dl, name, value, id) {
    dl.appendChild(el("dt", name));
    var dd = el("dd", value);
    if (id) { dd.id = id; }
    dl.appendChild(dd);
  }

  function l2(e) {
    if (e.state === "present") { return "age " + seconds(e.ageMs) + " (written " + time(e.dataUpdatedAt) + ", " + e.backend + ")"; }
    if (e.state === "absent") { return "no entry (" + e.backend + ")"; }
    return e.state === "none" ? "no L2 configured" : "unknown: " + e.reason;
  }

  function detail() {
    var key = selected;
    if (!key) { return; }
    get("/api/query?key=" + encodeURIComponent(key)).then(function (d) {
      if (key !== selected) { return; }
      var q = d.query, dl = $("d-facts"), now = last ? last.now : new Date().toISOString();
      $("detail").setAttribute("data-status", q.status);
      dl.textContent = "";
      fact(dl, "Status", q.status + " · " + q.fetchStatus + (d.controls.forced ? " (forced by the devtools)" : ""),
          "d-status");
      fact(dl, "Freshness", q.invalidated ? "invalidated" : (q.stale ? "stale" : "fresh"));
      fact(dl, "Observers", String(q.observers));
      fact(dl, "Data updated", ago(q.dataUpdatedAt, now));
      fact(dl, "Error updated", ago(d.errorUpdatedAt, now));
      fact(dl, "Failures", String(q.failureCount));
      fact(dl, "L2 entry", l2(d.l2), "d-l2");
      $("d-options-source").textContent = "From " + d.optionsSource;
      var options = $("d-options");
      options.textContent = "";
      d.options.forEach(function (o) {
        var tr = el("tr");
        tr.setAttribute("data-option", o.name);
        tr.appendChild(el("td", o.name));
        tr.appendChild(el("td", o.value, "value"));
        tr.appendChild(el("td", o.source === "defaults" ? "default" : "", "note"));
        options.appendChild(tr);
      });
      $("d-error").textContent = d.errorStack.length ? d.errorStack.join("\n") : "none";
      var history = $("d-history");
      history.textContent = "";
      d.history.forEach(function (h) {
        history.appendChild(el("li", time(h.time) + "  " + h.status + " · " + h.fetchStatus +
            (h.invalidated ? " · invalidated" : "") + (h.failureCount ? " · " + h.failureCount + " failures" : "")));
      });
      if (!d.history.length) { history.appendChild(el("li", "no status change in the timeline", "note")); }
      var data = d.valuesShown ? JSON.stringify(q.data, null, 2) : null;
      $("d-data").textContent = data === null ? "hidden (stackquery.actuator.show-values)" :
          data.length > 20000 ? data.slice(0, 20000) + "\n…" : data;
      $("d-state").hidden = !d.controls.stateControls;
      $("d-refused").hidden = d.controls.writes;
      $("d-refused").textContent = d.controls.writes ? "" : "Read only: " + d.controls.writesRefused;
      Array.prototype.forEach.call(document.querySelectorAll("[data-detail-action]"), function (b) {
        b.disabled = !d.controls.writes;
        b.title = d.controls.writes ? "" : d.controls.writesRefused;
      });
    }).catch(function (e) {
      if (e.status !== 404) { problem.textContent = e.message; return; }
      $("d-facts").textContent = "";
      fact($("d-facts"), "Status", "no longer in L1", "d-status");
    });
  }

  function instances() {
    var key = selected, box = $("d-instances");
    get("/api/instances?key=" + encodeURIComponent(key)).then(function (r) {
      if (key !== selected) { return; }
      box.textContent = "";
      if (!r.available) {
        box.textContent = "Other instances cannot be asked: the Redis invalidation bus is not configured, or this" +
            " instance is not subscribed to Redis yet (it tries again every announce interval).";
        return;
      }
      var table = el("table", null, "small");
      r.instances.forEach(function (i) {
        var tr = el("tr");
        tr.setAttribute("data-instance", i.instance);
        tr.appendChild(el("td", i.instance + (i.self ? " (this one)" : "")));
        if (!i.answered) {
          tr.appendChild(el("td", "did not answer", "warn"));
        } else if (!i.present) {
          tr.appendChild(el("td", "not in L1", "note"));
        } else {
          tr.appendChild(el("td", i.status + " · " + i.fetchStatus + " · " +
              (i.invalidated ? "invalidated" : i.stale ? "stale" : "fresh") + " · updated " + time(i.dataUpdatedAt)));
        }
        table.appendChild(tr);
      });
      box.appendChild(table);
    }).catch(function (e) {
      box.textContent = e.status === 404 ? "Not available: this application has no every-instance view."
          : "Could not ask the other instances: " + e.message;
    });
  }

  // The timeline.
  function events() {
    var q = "/api/events?limit=200&q=" + encodeURIComponent($("ev-key").value.trim()) +
        "&type=" + encodeURIComponent($("ev-type").value);
    get(q).then(function (r) {
      if (!types) {
        types = true;
        r.types.forEach(function (t) { $("ev-type").appendChild(el("option", t)); });
      }
      $("ev-summary").textContent = r.count + " shown · " + r.recorded + " recorded, newest " + r.capacity + " kept";
      var text = JSON.stringify(r.events);
      if (text === lastEvents) { return; }
      lastEvents = text;
      var body = $("events");
      body.textContent = "";
      r.events.forEach(function (e) {
        var tr = el("tr", null, e.type);
        tr.setAttribute("data-type", e.type);
        tr.setAttribute("data-key", e.key);
        tr.appendChild(el("td", time(e.time, true)));
        tr.appendChild(el("td", e.type));
        var k = el("td", e.key, "key");
        k.addEventListener("click", function () { open(e.key); });
        tr.appendChild(k);
        tr.appendChild(el("td", e.level || ""));
        tr.appendChild(el("td", e.result || (e.status ? e.status + " · " + e.fetchStatus +
            (e.invalidated ? " · invalidated" : "") : "")));
        tr.appendChild(el("td", e.durationMs === null ? "" : e.durationMs + " ms" +
            (e.attempts > 1 ? " (" + e.attempts + " attempts)" : "")));
        tr.appendChild(el("td", e.origin || e.cause || e.operation || ""));
        tr.appendChild(el("td", [e.error, e.detail].filter(Boolean).join(" · ")));
        body.appendChild(tr);
      });
    }).catch(function (e) { $("ev-summary").textContent = "timeline: " + e.message; });
  }

  // The charts, drawn on canvases; each says what it drew in data attributes.
  var colors = { blue: "#38bdf8", amber: "#f59e0b", green: "#22c55e", red: "#ef4444", grey: "#64748b",
    text: "#94a3b8", line: "#23304d" };

  function pen(id) {
    var c = $(id), g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    g.font = "10px system-ui, sans-serif";
    g.fillStyle = colors.text;
    g.strokeStyle = colors.line;
    g.strokeRect(30.5, 4.5, c.width - 35, c.height - 22);
    return { c: c, g: g, x: 31, y: 5, w: c.width - 36, h: c.height - 23 };
  }

  function sum(a, from, to) { var s = 0; for (var i = from; i < to; i++) { s += a[i]; } return s; }

  // Five-second groups of the per-second series.
  function grouped(s, f) {
    var out = [];
    for (var i = 0; i < s.l1Hit.length; i += 5) { out.push(f(function (a) { return sum(a, i, i + 5); })); }
    return out;
  }

  function ratio(hit, stale, miss) { var n = hit + stale + miss; return n ? (hit + stale) / n : null; }

  function hits(s) {
    var p = pen("chart-hits"), g = p.g, points = 0;
    var l1 = grouped(s, function (t) { return ratio(t(s.l1Hit), t(s.l1Stale), t(s.l1Miss)); });
    var l2 = grouped(s, function (t) { return ratio(t(s.l2Hit), t(s.l2Stale), t(s.l2Miss)); });
    g.fillText("100%", 2, p.y + 8);
    g.fillText("0%", 10, p.y + p.h);
    g.fillText("5 min ago", p.x, p.c.height - 4);
    g.fillText("now", p.x + p.w - 18, p.c.height - 4);
    [[l1, colors.blue], [l2, colors.amber]].forEach(function (line) {
      g.strokeStyle = line[1];
      g.lineWidth = 2;
      g.beginPath();
      var started = false;
      line[0].forEach(function (v, i) {
        if (v === null) { started = false; return; }
        var x = p.x + i * p.w / (line[0].length - 1), y = p.y + p.h - v * p.h;
        if (started) { g.lineTo(x, y); } else { g.moveTo(x, y); g.fillStyle = line[1]; g.fillRect(x - 1, y - 1, 2, 2); }
        started = true;
        points++;
      });
      g.stroke();
    });
    var l1now = l1.filter(function (v) { return v !== null; }).pop();
    p.c.setAttribute("data-points", points);
    p.c.setAttribute("data-l1", l1now === undefined ? "" : l1now.toFixed(3));
    p.c.setAttribute("data-lookups", sum(s.l1Hit, 0, 300) + sum(s.l1Stale, 0, 300) + sum(s.l1Miss, 0, 300));
  }

  function fetches(s) {
    var p = pen("chart-fetches"), g = p.g;
    var ok = grouped(s, function (t) { return t(s.fetched); }), bad = grouped(s, function (t) { return t(s.failed); });
    var max = Math.max(1, Math.max.apply(null, ok.map(function (v, i) { return v + bad[i]; })) / 5);
    var bw = p.w / ok.length, points = 0;
    ok.forEach(function (v, i) {
      if (!v && !bad[i]) { return; }
      points++;
      var okH = v / 5 / max * p.h, badH = bad[i] / 5 / max * p.h, x = p.x + i * bw;
      g.fillStyle = colors.green;
      g.fillRect(x, p.y + p.h - okH, Math.max(1, bw - 1), okH);
      g.fillStyle = colors.red;
      g.fillRect(x, p.y + p.h - okH - badH, Math.max(1, bw - 1), badH);
    });
    g.fillStyle = colors.text;
    g.fillText(max.toFixed(max < 10 ? 1 : 0), 2, p.y + 8);
    g.fillText("0", 18, p.y + p.h);
    g.fillText("5 min ago", p.x, p.c.height - 4);
    g.fillText("now", p.x + p.w - 18, p.c.height - 4);
    p.c.setAttribute("data-points", points);
    p.c.setAttribute("data-total", sum(s.fetched, 0, 300) + sum(s.failed, 0, 300));
  }

  function latency(list) {
    // The slowest six tags (by p99); the others are counted under the chart.
    var slowest = list.slice().sort(function (a, b) { return b.p99Ms - a.p99Ms || (a.tag < b.tag ? -1 : 1); });
    var p = pen("chart-latency"), g = p.g, shown = slowest.slice(0, 6), room = p.w - 120;
    var max = Math.max.apply(null, shown.map(function (l) { return l.p99Ms; }).concat([1]));
    var row = p.h / Math.max(shown.length, 1);
    g.fillText("tag", 4, p.y + 10);
    shown.forEach(function (l, i) {
      var y = p.y + i * row;
      g.fillStyle = colors.amber;
      g.fillRect(p.x + 1, y + 2, Math.max(1, l.p99Ms / max * room), row / 2 - 2);
      g.fillStyle = colors.blue;
      g.fillRect(p.x + 1, y + row / 2, Math.max(1, l.p50Ms / max * room), row / 2 - 2);
      g.fillStyle = colors.text;
      g.fillText(l.tag.slice(0, 10) + " " + l.p50Ms + "/" + l.p99Ms + " ms", p.x + room + 6, y + row / 2 + 3);
    });
    if (!shown.length) { g.fillText("no fetch in the last 5 minutes", p.x + 8, p.y + p.h / 2); }
    if (list.length > shown.length) {
      g.fillText("+" + (list.length - shown.length) + " faster tags (/stackquery/api/stats)", p.x, p.c.height - 4);
    }
    p.c.setAttribute("data-points", shown.length);
    p.c.setAttribute("data-tags", list.length);
  }

  function statuses(s) {
    var p = pen("chart-status"), g = p.g, names = ["idle", "pending", "success", "error", "fetching"];
    var values = names.map(function (n) { return n === "fetching" ? s.fetching : s.statuses[n] || 0; });
    var max = Math.max(1, Math.max.apply(null, values)), bw = p.w / names.length;
    var fill = [colors.grey, colors.amber, colors.green, colors.red, colors.blue];
    values.forEach(function (v, i) {
      var h = v / max * (p.h - 12), x = p.x + i * bw + 6;
      g.fillStyle = fill[i];
      g.fillRect(x, p.y + p.h - h, bw - 12, h);
      g.fillStyle = colors.text;
      g.fillText(String(v), x, p.y + p.h - h - 2);
      g.fillText(names[i], x, p.c.height - 4);
    });
    p.c.setAttribute("data-total", s.queries);
    p.c.setAttribute("data-points", names.length);
  }

  function stats() {
    get("/api/stats").then(function (s) {
      hits(s.series);
      fetches(s.series);
      latency(s.latency);
      statuses(s);
    }).catch(function (e) { problem.textContent = "stats: " + e.message; });
  }

  filter.addEventListener("input", render);
  $("ev-key").addEventListener("input", events);
  $("ev-type").addEventListener("change", events);
  $("d-close").addEventListener("click", function () { selected = null; $("detail").hidden = true; render(); });
  $("d-instances-refresh").addEventListener("click", instances);
  Array.prototype.forEach.call(document.querySelectorAll("[data-detail-action]"), function (b) {
    b.addEventListener("click", function () { act(b.getAttribute("data-detail-action"), selected); });
  });
  var tick = 0;
  function poll() {
    refresh();
    if (tick % 2 === 0) { stats(); events(); detail(); }
    tick++;
  }
  poll();
  window.setInterval(poll, 1000);
})();
