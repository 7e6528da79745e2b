/* 呼应 maps: the case map page (地图) and the helpers the case detail's mini-map shares.
 *
 * Coordinates arrive already in the tiles' system (the server converts WGS-84 to GCJ-02
 * when HUYING_MAP_COORDS says so); this file never converts. Text from the database
 * (titles, grid names) is only ever set as textContent, never as HTML.
 */
(function () {
  "use strict";

  /* Text in the page's language: the page carries the translations ({% js_strings %}),
     keyed by the Chinese source text, which is also what shows when one is missing. */
  var strings = null;
  function t(text, params) {
    if (strings === null) {
      var node = document.getElementById("js-strings");
      try { strings = node ? JSON.parse(node.textContent) : {}; } catch (e) { strings = {}; }
    }
    var out = strings[text] || text;
    return params ? out.replace(/\{(\w+)\}/g, function (m, k) { return k in params ? String(params[k]) : m; }) : out;
  }

  /* State → colour group, in the order the legend lists them (labels are source text). */
  var GROUPS = [
    { label: "待研判/待派单", color: "#d97706", states: ["submitted", "triaged"] },
    { label: "处置中", color: "#1d4ed8", states: ["self_handling", "in_progress"] },
    { label: "挂账", color: "#7c3aed", states: ["suspended"] },
    { label: "核查/回访", color: "#0891b2", states: ["verifying", "follow_up"] },
    { label: "已结案", color: "#15803d", states: ["closed", "archived"] },
    { label: "不予受理/已合并", color: "#6b7280", states: ["rejected", "merged", "split"] },
  ];
  var COLOR = {};
  GROUPS.forEach(function (g) {
    g.states.forEach(function (s) { COLOR[s] = g.color; });
  });

  var GRID_STYLE = { color: "#b91c1c", weight: 1.5, opacity: 0.8, fillColor: "#b91c1c", fillOpacity: 0.04 };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* A Leaflet map with the configured tiles, or a plain background when there are none. */
  function baseMap(container, tiles, options) {
    var map = L.map(container, Object.assign({ preferCanvas: true, minZoom: 3, maxZoom: 19 }, options || {}));
    map.attributionControl.setPrefix("Leaflet");
    if (tiles && tiles.url) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 18 }).addTo(map);
    } else {
      container.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function gridLayer(geojson) {
    return L.geoJSON(geojson, {
      style: function () { return GRID_STYLE; },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        var name = p.code ? t("{name}（{code}）", { name: p.name || "", code: p.code }) : p.name || "";
        layer.bindTooltip(el("span", {}, name), { sticky: true });
      },
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(
        function (body) {
          if (!r.ok) {
            var err = (body && body.error) || {};
            var details = (err.details && err.details.errors) || {};
            var parts = Object.keys(details).map(function (k) { return details[k].join(t("；")); });
            var message = err.message || t("加载失败");
            throw new Error(parts.length ? t("{message}：{details}", { message: message, details: parts.join(t("；")) }) : message);
          }
          return body;
        },
        function () { throw new Error(t("加载失败（HTTP {status}）", { status: r.status })); }
      );
    });
  }

  function legend(withWarnings) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = el("div", { class: "map-legend" });
      GROUPS.forEach(function (g) {
        var row = el("div");
        var dot = el("span", { class: "dot", "aria-hidden": "true" });
        dot.style.background = g.color;
        row.appendChild(dot);
        row.appendChild(document.createTextNode(t(g.label)));
        box.appendChild(row);
      });
      if (withWarnings) {
        var row = el("div");
        row.appendChild(el("span", { class: "ring", "aria-hidden": "true" }));
        row.appendChild(document.createTextNode(t("反复发生预警（圈越大次数越多）")));
        box.appendChild(row);
      }
      return box;
    };
    return control;
  }

  /* 反复发生预警 as hot spots: a red ring with the count, larger for more cases. */
  function warningMarker(feature, rule) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var size = Math.min(72, Math.round(24 + 12 * Math.sqrt(p.count / Math.max(1, rule.count))));
    var name = t("{item} · {place}：{count} 次", { item: p.item.name, place: p.place, count: p.count });
    var marker = L.marker([c[1], c[0]], {
      icon: L.divIcon({ className: "warning-spot", html: el("span", {}, p.count), iconSize: [size, size] }),
      title: name,
      riseOnHover: true,
      zIndexOffset: 1000,
    });
    marker.on("add", function () { marker.getElement().setAttribute("aria-label", name); }); // not just "5"
    marker.bindPopup(function () { return warningPopup(p); });
    return marker;
  }

  function warningPopup(p) {
    var box = el("div", { class: "map-popup warning-popup" });
    box.appendChild(el("div", { class: "title" }, t("事项：{item}", { item: p.item.name })));
    box.appendChild(el("div", {}, t("网格：{place}", { place: p.place })));
    var where = [p.street, p.community].filter(Boolean).join(" · ");
    if (where) box.appendChild(el("div", { class: "state" }, where));
    box.appendChild(el("div", { class: "count" }, t("{count} 次 / {days} 天", { count: p.count, days: p.days })));
    box.appendChild(el("div", { class: "state" }, t("首次 {first}，最近 {last}", { first: p.first.slice(0, 10), last: p.last.slice(0, 10) })));
    var cases = el("div", { class: "cases" });
    if (p.earlier) cases.appendChild(document.createTextNode(t("较早 {count} 件、", { count: p.earlier })));
    p.cases.forEach(function (c, i) {
      if (i) cases.appendChild(document.createTextNode(t("、")));
      cases.appendChild(el("a", { href: c.url, class: "nowrap" }, c.number));
    });
    box.appendChild(cases);
    p.systemic.forEach(function (s) {
      var row = el("div", {}, t("系统性问题："));
      row.appendChild(el("a", { href: s.url }, s.number));
      box.appendChild(row);
    });
    var links = el("div", { class: "links" });
    links.appendChild(el("a", { href: p.list_url }, t("预警清单")));
    if (p.open_url) links.appendChild(el("a", { href: p.open_url }, t("开启系统性治理")));
    box.appendChild(links);
    return box;
  }

  /* The page's hash says whether the warnings layer is on (#warnings), so that a link can
     open the map with it and a filter or a reload keeps it. */
  var WARNINGS_HASH = "#warnings";
  function setHash(hash) {
    if (location.hash === hash) return;
    history.replaceState(history.state, "", location.pathname + location.search + hash);
    keepHash();
  }
  function keepHash() {
    var form = document.querySelector("form.filters");
    if (!form) return;
    form.setAttribute("action", location.pathname + location.hash);
    var clear = form.querySelector('.actions a[href="' + location.pathname + '"], .actions a[data-clear]');
    if (clear) {
      clear.setAttribute("data-clear", "");
      clear.setAttribute("href", location.pathname + location.hash);
    }
  }

  function popupFor(row, fields, config) {
    var f = {};
    fields.forEach(function (name, i) { f[name] = row[i]; });
    var box = el("div", { class: "map-popup" });
    var link = el("a", { href: config.detail.replace(/0\/$/, f.id + "/") }, f.number);
    box.appendChild(link);
    box.appendChild(el("div", { class: "title" }, f.title));
    box.appendChild(el("div", { class: "state" }, config.states[f.state] || f.state));
    return box;
  }

  function caseMapPage(container) {
    var config = JSON.parse(document.getElementById("map-config").textContent);
    var status = document.getElementById("map-status");
    var map = baseMap(container, config.tiles);
    map.setView([30.66, 104.06], 12); // replaced by the data's bounds once it has loaded

    var clusters = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      disableClusteringAtZoom: 18,
    });
    var heat = L.heatLayer([], { radius: 18, blur: 15, maxZoom: 16, minOpacity: 0.3 });
    var grids = L.featureGroup();
    var warnings = L.featureGroup();
    grids.addTo(map);
    clusters.addTo(map);
    var layers = {};
    layers[t("事件（聚合点）")] = clusters;
    layers[t("热力图")] = heat;
    layers[t("网格边界")] = grids;
    if (config.warnings) {
      layers[t("反复发生预警")] = warnings;
      if (location.hash === WARNINGS_HASH) warnings.addTo(map);
      map.on("overlayadd", function (e) { if (e.layer === warnings) setHash(WARNINGS_HASH); });
      map.on("overlayremove", function (e) { if (e.layer === warnings) setHash(""); });
      window.addEventListener("hashchange", function () {
        if (location.hash === WARNINGS_HASH && !map.hasLayer(warnings)) warnings.addTo(map);
        keepHash();
      });
    }
    keepHash();
    L.control.layers(null, layers, { collapsed: false }).addTo(map);
    legend(Boolean(config.warnings)).addTo(map);

    var messages = { points: t("正在加载事件…"), grids: "", warnings: "" };
    function show() {
      status.textContent = [messages.points, messages.warnings, messages.grids].filter(Boolean).join(" · ");
    }
    show();

    var warningsLoaded = !config.warnings ? Promise.resolve(null) : getJSON(config.warnings).then(function (data) {
      data.features.forEach(function (f) { warningMarker(f, data.rule).addTo(warnings); });
      var total = data.total || data.features.length;
      messages.warnings = !total ? t("没有反复发生预警")
        : total > data.features.length
          ? t("反复发生预警 {count} 处，地图上是次数最多的 {shown} 处", { count: total, shown: data.features.length })
          : t("反复发生预警 {count} 处", { count: total });
      show();
      return data.features.length ? warnings.getBounds() : null;
    }).catch(function (e) {
      messages.warnings = t("预警：{message}", { message: e.message });
      show();
      return null;
    });

    var gridsLoaded = getJSON(config.grids).then(function (geojson) {
      gridLayer(geojson).addTo(grids);
      messages.grids = t("网格 {count} 个", { count: geojson.features.length });
      show();
      return grids.getLayers().length && grids.getBounds().isValid() ? grids.getBounds() : null;
    }).catch(function (e) {
      messages.grids = t("网格：{message}", { message: e.message });
      show();
      return null;
    });

    var pointsLoaded = config.points === null
      ? Promise.resolve(null).then(function () { messages.points = t("筛选条件有误，未加载事件"); show(); return null; })
      : getJSON(config.points).then(function (data) {
        var markers = [];
        var heatPoints = [];
        var latAt = data.fields.indexOf("lat");
        var lngAt = data.fields.indexOf("lng");
        var stateAt = data.fields.indexOf("state");
        data.rows.forEach(function (row) {
          var ll = [row[latAt], row[lngAt]];
          var marker = L.circleMarker(ll, {
            radius: 6, color: "#fff", weight: 1, fillColor: COLOR[row[stateAt]] || "#6b7280", fillOpacity: 0.9,
          });
          marker.bindPopup(function () { return popupFor(row, data.fields, config); });
          markers.push(marker);
          heatPoints.push(ll);
        });
        clusters.addLayers(markers);
        heat.setLatLngs(heatPoints);
        if (data.capped) {
          messages.points = t("显示最近的 {count} 件有坐标的事件（符合条件的还有更多，请缩小筛选范围）", { count: data.count });
        } else {
          messages.points = data.count ? t("有坐标的事件 {count} 件", { count: data.count }) : t("没有符合条件且有坐标的事件");
        }
        show();
        return markers.length ? L.latLngBounds(heatPoints) : null;
      }).catch(function (e) {
        messages.points = t("事件：{message}", { message: e.message });
        status.classList.add("error-box");
        show();
        return null;
      });

    container.setAttribute("aria-busy", "true");
    function ready() { container.setAttribute("aria-busy", "false"); }
    Promise.all([gridsLoaded, pointsLoaded, warningsLoaded]).then(function (bounds) {
      // Opened for the warnings: their spots in view; otherwise the grids (or the points).
      var b = (map.hasLayer(warnings) && bounds[2]) || bounds[0] || bounds[1];
      if (!b) return ready();
      map.once("moveend", ready);
      map.fitBounds(b, { padding: [40, 40], maxZoom: 16 });
    });
  }

  window.huyingMap = { baseMap: baseMap, gridLayer: gridLayer, getJSON: getJSON, el: el, t: t };

  var page = document.getElementById("case-map");
  if (page && window.L && L.markerClusterGroup && L.heatLayer) caseMapPage(page);
})();
