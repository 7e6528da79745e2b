/* 十五分钟生活圈 maps. One config (#lc-config) per page, already in the tiles' system:
 *  - the keepers' page and a point's page (#point-map): the communities' outlines, the points
 *    kept, and a tap places the point (fills lat/lng; the server checks the community);
 *  - the coverage drill-down (#coverage-map): the community, its gaps (cells no point of the
 *    chosen kind reaches) and the points of that kind with their walking circles;
 *  - 身边的服务 (#nearby-map): where the resident is, the 15-minute circle and what it holds;
 *    a tap or the phone's position reloads the list.
 * Text from the database is only ever set as textContent. */
(function () {
  "use strict";
  var node = document.getElementById("lc-config");
  var m = window.huyingMap;
  if (!node || !window.L || !m) { return; }
  var config = JSON.parse(node.textContent);
  var text = config.text || {};
  var OUTLINE = { color: "#b91c1c", weight: 1.5, dashArray: "6 4", fillColor: "#ffffff", fillOpacity: config.tiles && config.tiles.url ? 0 : 0.5 };

  function outlines() {
    return L.geoJSON(config.outlines, {
      style: function () { return OUTLINE; },
      interactive: false,
    });
  }

  function dots(points, colour) {
    var group = L.featureGroup();
    points.forEach(function (p) {
      var dot = L.circleMarker(p.at, { radius: 7, color: "#fff", weight: 2, fillColor: colour(p), fillOpacity: 1 });
      var label = document.createElement("span");
      label.textContent = p.name + " · " + p.kind_name + (p.minutes !== undefined ? " · " + p.minutes + " min" : "");
      dot.bindTooltip(label);
      group.addLayer(dot);
    });
    return group;
  }

  /* The view first (a canvas renderer needs one before anything is drawn), then the layers. */
  function show(map, framed, layers, extra) {
    var bounds = null;
    framed.forEach(function (l) {
      if (l.getLayers().length) {
        var b = l.getBounds();
        bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
      }
    });
    if (bounds && extra) { bounds.extend(L.latLng(extra[0], extra[1])); }
    if (bounds) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    } else if (extra) {
      map.setView(extra, 15);
    } else {
      map.setView([30.66, 104.08], 13);
    }
    layers.forEach(function (l) { l.addTo(map); });
  }

  // --- the keepers: place a point --------------------------------------------------------------
  var pick = document.getElementById("point-map");
  if (pick) {
    var map = m.baseMap(pick, config.tiles);
    pick.lcMap = map;  // the browser test finds a place's pixel through it
    var shapes = outlines();
    var others = dots(config.points, function () { return "#475569"; });
    var form = pick.closest("form");
    var lat = form.querySelector("input[name=lat]");
    var lng = form.querySelector("input[name=lng]");
    var coords = form.querySelector("input[name=coords]");
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
    }
    show(map, [shapes], [shapes, others]);
    if (lat.value && lng.value) {
      place([parseFloat(lat.value), parseFloat(lng.value)]);
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
    }
    map.on("click", function (e) {
      place(e.latlng);
      lat.value = e.latlng.lat.toFixed(6);
      lng.value = e.latlng.lng.toFixed(6);
      coords.value = config.coords;
    });
  }

  // --- coverage: the gaps -------------------------------------------------------------------------
  var cov = document.getElementById("coverage-map");
  if (cov) {
    var cmap = m.baseMap(cov, config.tiles);
    var area = outlines();
    var gaps = L.geoJSON(config.gaps, { style: function () { return { color: "#dc2626", weight: 0, fillColor: "#dc2626", fillOpacity: 0.45 }; }, interactive: false });
    var circles = L.featureGroup(config.points.map(function (p) {
      return L.circle(p.at, { radius: p.reach, color: "#15803d", weight: 1, dashArray: "4 4", fill: false, interactive: false });
    }));
    show(cmap, [area], [area, gaps, circles, dots(config.points, function () { return "#15803d"; })]);
  }

  // --- 身边的服务 ---------------------------------------------------------------------------------
  var near = document.getElementById("nearby-map");
  if (near) {
    var nform = document.getElementById("nearby-form");
    var nmap = m.baseMap(near, config.tiles);
    var nshapes = outlines();
    var status = document.getElementById("nearby-status");
    var found = dots(config.points, function (p) { return p.open ? "#15803d" : "#6b7280"; });
    function go(la, ln, system) {
      nform.querySelector("input[name=lat]").value = la.toFixed(6);
      nform.querySelector("input[name=lng]").value = ln.toFixed(6);
      nform.querySelector("input[name=coords]").value = system;
      var community = nform.querySelector("select[name=community]");
      if (community) { community.value = ""; }
      nform.submit();
    }
    if (config.here) {
      var ring = L.circle(config.here, { radius: config.reach, color: "#1d4ed8", weight: 1.5, fillColor: "#1d4ed8", fillOpacity: 0.06, interactive: false });
      var me = L.circleMarker(config.here, { radius: 8, color: "#fff", weight: 3, fillColor: "#1d4ed8", fillOpacity: 1 });
      show(nmap, [found], [nshapes, ring, found, me], config.here);
    } else {
      show(nmap, [nshapes], [nshapes]);
    }
    nmap.on("click", function (e) { go(e.latlng.lat, e.latlng.lng, config.coords); });
    var locate = document.getElementById("nearby-locate");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        status.textContent = text.locating || "…";
        navigator.geolocation.getCurrentPosition(
          function (pos) { go(pos.coords.latitude, pos.coords.longitude, "wgs84"); },
          function () { status.textContent = text.failed || ""; },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    } else if (locate) { locate.hidden = true; }
  }
})();
