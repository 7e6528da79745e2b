/* 呼应 dashboards (统计, 大屏): fetch /api/v1/dashboard/* for the chosen window and draw
 * them with ECharts and Leaflet. Names from the database are set as text (ECharts escapes
 * its labels; tables use textContent), never as HTML.
 */
(function () {
  "use strict";

  var strings = null;
  function t(text, params) {
    if (strings === null) {
      var node = document.getElementById("js-strings");
      try { strings = node ? JSON.parse(node.textContent) : {}; } catch (e) { strings = {}; }
    }
    var out = strings[text] || text;
    return params ? out.replace(/\{(\w+)\}/g, function (m, k) { return k in params ? String(params[k]) : m; }) : out;
  }

  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var theme = config.wall ? "dark" : null;
  var PALETTE = ["#c8102e", "#1d4ed8", "#d97706", "#15803d", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f", "#6b7280", "#b45309"];
  var charts = {};
  var heatMap = null, heatLayer = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function iso(d) {
    var m = d.getMonth() + 1, day = d.getDate();
    return d.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (day < 10 ? "0" : "") + day;
  }

  function parseDay(s) { var p = s.split("-"); return new Date(+p[0], +p[1] - 1, +p[2]); }

  /* The window the controls ask for, in the district's calendar (config.today). */
  function currentWindow() {
    var today = parseDay(config.today);
    var range = document.getElementById("dash-range").value;
    if (range === "12m") {
      var start = new Date(today.getFullYear(), today.getMonth() - 11, 1);
      var end = new Date(today.getFullYear(), today.getMonth() + 1, 0);
      return { first: iso(start), last: iso(end), step: "month" };
    }
    if (range === "custom") {
      var first = document.getElementById("dash-first").value, last = document.getElementById("dash-last").value;
      if (first && last) return { first: first, last: last, step: "day" };
    }
    if (range === "month") return { first: iso(new Date(today.getFullYear(), today.getMonth(), 1)), last: iso(today), step: "day" };
    var from30 = new Date(today); from30.setDate(from30.getDate() - 29);
    return { first: iso(from30), last: iso(today), step: "day" };
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== null; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }

  function api(path, params) {
    var headers = { Accept: "application/json" };
    if (config.grant) headers["X-Huying-Grant"] = String(config.grant);
    return fetch(config.api + path + "?" + query(params || {}), { credentials: "same-origin", headers: headers }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.error && body.error.message) || t("加载失败（HTTP {status}）", { status: r.status }));
        return body;
      }, function () { throw new Error(t("加载失败（HTTP {status}）", { status: r.status })); });
    });
  }

  function chart(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    if (!charts[id]) charts[id] = echarts.init(node, theme, { renderer: "canvas" });
    return charts[id];
  }

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }

  function casesUrl(params) { return config.cases + "?" + query(params); }

  /* --- headline tiles ------------------------------------------------------------------ */

  function tiles(k, w) {
    var dates = { date_from: w.first, date_to: w.last };
    var drill = function (indicator, part) {
      if (!config.drill) return null;
      return casesUrl({ indicator: indicator, part: part, by: config.drill.by, key: config.drill.key, start: w.first, end: w.last });
    };
    var spec = config.scope === "department" ? [
      ["assigned", "派单"], ["report_ins", "报到"], ["on_time_report_in_rate", "按时报到率", pct],
      ["handled", "办结反馈"], ["on_time_handling_rate", "按时办结率", pct], ["returned", "退回成立"],
      ["open_now", "在办"], ["overdue_now", "当前超期", null, casesUrl({ clock: "overdue" }), "bad"],
      ["due_soon_now", "即将超期", null, casesUrl({ clock: "due_soon" }), "warn"],
    ] : [
      ["reported", "上报", null, casesUrl(dates)], ["valid", "受理", null, drill("resolution_rate", "denominator")],
      ["closed", "结案", null, drill("completion", "numerator")],
      ["on_time_closed_rate", "按期结案率", pct, drill("on_time_completion", "numerator")],
      ["satisfaction_rate", "满意率", pct, drill("satisfaction_rate", "denominator")],
      ["overdue", "新增超期", null, null, "warn"], ["open_now", "当前在办"],
      ["overdue_now", "当前超期", null, casesUrl({ clock: "overdue" }), "bad"],
      ["due_soon_now", "即将超期", null, casesUrl({ clock: "due_soon" }), "warn"],
    ];
    var box = document.getElementById("dash-kpis");
    box.textContent = "";
    spec.forEach(function (s) {
      var tile = el(s[3] ? "a" : "div", s[3] ? { class: "tile " + (s[4] || ""), href: s[3] } : { class: "tile " + (s[4] || "") });
      tile.appendChild(el("div", { class: "label" }, t(s[1])));
      tile.appendChild(el("div", { class: "value" }, s[2] ? s[2](k[s[0]]) : k[s[0]]));
      if (/_now$/.test(s[0])) tile.appendChild(el("small", {}, t("此刻")));
      box.appendChild(tile);
    });
  }

  /* --- charts ---------------------------------------------------------------------------- */

  var SERIES = {
    reported: "上报", closed: "结案", overdue: "新增超期",
    assigned: "派单", handled: "办结反馈", on_time_handled: "按时办结",
  };

  function drawTrend(data) {
    var c = chart("chart-trend");
    var names = Object.keys(data.series);
    c.setOption({
      color: PALETTE, backgroundColor: "transparent", tooltip: { trigger: "axis" },
      legend: { top: 0, data: names.map(function (n) { return t(SERIES[n]); }) },
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.labels.map(function (l) { return data.step === "month" ? l.slice(0, 7) : l.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: names.map(function (n) { return { name: t(SERIES[n]), type: "line", showSymbol: data.labels.length < 40, data: data.series[n] }; }),
    }, true);
    c.getDom().setAttribute("aria-label", t("趋势：{from} 至 {to}", { from: data.labels[0] || "", to: data.labels[data.labels.length - 1] || "" }));
  }

  function drawBars(id, rows, drill) {
    var c = chart(id);
    if (!c) return;
    var shown = rows.slice().reverse();
    c.setOption({
      color: PALETTE, backgroundColor: "transparent",
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [t("上报"), t("结案")] },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: shown.map(function (r) { return r.label; }), axisLabel: { width: 110, overflow: "truncate" } },
      series: [
        { name: t("上报"), type: "bar", data: shown.map(function (r) { return r.reported; }) },
        { name: t("结案"), type: "bar", data: shown.map(function (r) { return r.closed; }) },
      ],
    }, true);
    c.off("click");
    if (drill) c.on("click", function (p) { var row = shown[p.dataIndex]; if (row && row.key) window.location.href = drill(row); });
    c.getDom().setAttribute("aria-label", shown.slice().reverse().map(function (r) { return r.label + " " + r.reported; }).join(t("；")));
  }

  function drawPie(id, rows, drill) {
    var c = chart(id);
    if (!c) return;
    c.setOption({
      color: PALETTE, backgroundColor: "transparent", tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "68%"], data: rows.map(function (r) { return { name: r.label, value: r.reported }; }) }],
    }, true);
    c.off("click");
    if (drill) c.on("click", function (p) { var row = rows[p.dataIndex]; if (row && row.key) window.location.href = drill(row); });
    c.getDom().setAttribute("aria-label", rows.map(function (r) { return r.label + " " + r.reported; }).join(t("；")));
  }

  function shorten(name) { return name.length > 7 ? name.slice(0, 6) + "…" : name; }

  function drawDepartments(rows) {
    var c = chart("chart-departments");
    if (!c) return;
    var shown = rows.slice(0, 15);
    c.setOption({
      color: PALETTE, backgroundColor: "transparent", tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t("派单"), t("按时办结率")] },
      grid: { left: 40, right: 8, top: 36, bottom: 8, containLabel: true },
      // Long department names, rotated, ran off the left edge: shortened (the tooltip has them whole).
      xAxis: { type: "category", data: shown.map(function (r) { return r.label; }), axisLabel: { interval: 0, rotate: shown.length > 6 ? 30 : 0, formatter: shorten } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: t("派单"), type: "bar", barMaxWidth: 56, data: shown.map(function (r) { return r.assigned; }) },
        { name: t("按时办结率"), type: "line", yAxisIndex: 1, connectNulls: true, data: shown.map(function (r) { return r.on_time_handling_rate === null ? null : +(r.on_time_handling_rate * 100).toFixed(1); }) },
      ],
    }, true);
    c.getDom().setAttribute("aria-label", shown.map(function (r) { return r.label + " " + r.assigned + " " + pct(r.on_time_handling_rate); }).join(t("；")));
  }

  function drawRanking(all) {
    var body = document.getElementById("dash-ranking");
    body.textContent = "";
    var rows = all.filter(function (r) { return r.cases > 0 || r.mine; });
    var note = document.getElementById("dash-ranking-note");
    note.textContent = all.length > rows.length ? t("另有 {count} 个部门当月无评议。", { count: all.length - rows.length }) : "";
    if (!rows.length) { var tr0 = el("tr"); tr0.appendChild(el("td", { colspan: "4", class: "empty" }, t("暂无评议"))); body.appendChild(tr0); return; }
    rows.forEach(function (r) {
      var tr = el("tr", r.mine ? { class: "mine" } : {});
      tr.appendChild(el("td", { class: "num" }, r.rank === null ? t("不排名") : r.rank));
      tr.appendChild(el("td", {}, r.label));
      tr.appendChild(el("td", { class: "num" }, r.score === null ? "—" : r.score.toFixed(1)));
      tr.appendChild(el("td", { class: "num" }, r.cases));
      body.appendChild(tr);
    });
  }

  function drawOverdue(rows) {
    var body = document.getElementById("dash-overdue");
    body.textContent = "";
    if (!rows.length) { var tr0 = el("tr"); tr0.appendChild(el("td", { colspan: "3", class: "empty" }, t("当前没有超期事件"))); body.appendChild(tr0); return; }
    rows.forEach(function (r) {
      var tr = el("tr");
      var td = el("td", { class: "nowrap" });
      td.appendChild(el("a", { href: config.detail.replace(/0\/$/, r.id + "/") }, r.number));
      tr.appendChild(td);
      tr.appendChild(el("td", {}, r.title));
      tr.appendChild(el("td", { class: "num" }, r.hours_late === null ? "—" : r.hours_late));
      body.appendChild(tr);
    });
  }

  function drawHeat(points) {
    var node = document.getElementById("chart-heat");
    if (!node || typeof L === "undefined") return;
    if (!heatMap) {
      heatMap = L.map(node, { preferCanvas: true, minZoom: 3, maxZoom: 18, attributionControl: !!(config.map.tiles && config.map.tiles.url) });
      if (config.map.tiles && config.map.tiles.url) {
        L.tileLayer(config.map.tiles.url, { attribution: config.map.tiles.attribution || "", maxZoom: 18 }).addTo(heatMap);
      }
      heatMap.setView([30.66, 104.06], 12);
    }
    if (heatLayer) heatMap.removeLayer(heatLayer);
    var max = points.reduce(function (m, p) { return Math.max(m, p[2]); }, 1);
    heatLayer = L.heatLayer(points, { radius: 28, blur: 20, max: max, minOpacity: 0.35 }).addTo(heatMap);
    if (points.length) heatMap.fitBounds(points.map(function (p) { return [p[0], p[1]]; }), { padding: [20, 20], maxZoom: 15 });
    node.setAttribute("aria-label", t("各网格上报热力：{count} 个网格", { count: points.length }));
  }

  /* --- loading ---------------------------------------------------------------------------- */

  function showError(err) {
    var box = document.getElementById("dash-error");
    box.textContent = t("加载失败：{message}", { message: err.message || err });
    box.hidden = false;
  }

  function load() {
    var w = currentWindow();
    var step = document.getElementById("dash-step");
    if (!step.dataset.touched) step.value = w.step;
    var span = { first: w.first, last: w.last };
    document.getElementById("dash-window").textContent = t("{first} 至 {last}", span);
    document.getElementById("dash-error").hidden = true;
    var dates = function (extra) { return Object.assign({ date_from: w.first, date_to: w.last }, extra); };
    var jobs = [
      api("kpis", span).then(function (k) { tiles(k, w); }),
      api("trend", Object.assign({ step: step.value }, span)).then(drawTrend),
      api("ranking", config.ranking).then(drawRanking),
      api("overdue").then(drawOverdue),
    ];
    if (config.scope !== "department") {
      var area = config.scope === "district" ? "street" : "community";
      jobs.push(
        api("breakdown", Object.assign({ dim: "class" }, span)).then(function (rows) { drawPie("chart-class", rows); }),
        api("breakdown", Object.assign({ dim: "item" }, span)).then(function (rows) {
          drawBars("chart-item", rows, function (r) { return casesUrl(dates({ item: r.key })); });
        }),
        api("breakdown", Object.assign({ dim: area, top: 20 }, span)).then(function (rows) {
          drawBars("chart-area", rows, area === "street" ? function (r) { return casesUrl(dates({ street: r.key })); } : null);
        }),
        api("breakdown", Object.assign({ dim: "grid" }, span)).then(function (rows) { drawBars("chart-place", rows); }),
        api("breakdown", Object.assign({ dim: "source" }, span)).then(function (rows) {
          drawPie("chart-source", rows, function (r) { return casesUrl(dates({ source: r.key })); });
        }),
        api("heat", span).then(drawHeat)
      );
    }
    if (config.scope !== "street") jobs.push(api("departments", span).then(drawDepartments));
    return Promise.all(jobs).catch(showError);
  }

  var range = document.getElementById("dash-range");
  range.addEventListener("change", function () {
    document.querySelector(".dash-custom").hidden = range.value !== "custom";
    if (range.value !== "custom") load();
  });
  document.getElementById("dash-controls").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  document.getElementById("dash-step").addEventListener("change", function (e) { e.target.dataset.touched = "1"; load(); });
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  if (config.wall) {
    var clock = document.getElementById("wall-clock");
    var tick = function () { var d = new Date(); clock.textContent = d.toLocaleString(document.documentElement.lang || "zh-CN", { hour12: false }); };
    tick();
    setInterval(tick, 1000);
  }
  if (config.refresh) setInterval(load, config.refresh * 1000);
  load().then(function () { document.body.setAttribute("data-dashboard", "ready"); });
})();
