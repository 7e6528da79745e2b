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

  function outlines(map) {
    var layer = L.geoJSON(config.outlines, {
      style: function () { return OUTLINE; },
      interactive: false,
    }).addTo(map);
    return layer;
  }

  function dots(map, points, colour) {
    var group = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      var dot = L.circleMarker(p.at, { radius: 7, color: "#fff", weight: 2, fillColor: colour(p), fillOpacity: 1 });
      var label = document.createElement("span");
      label.textContent = p.name + " · " + p.kind_name + (p.minutes !== undefined ? " · " + p.minutes + " min" : "");
      dot.bindTooltip(label);
      group.addLayer(dot);
    });
    return group;
  }

  function frame(map, layers) {
    var bounds = null;
    layers.forEach(function (l) {
      if (l && l.getLayers && l.getLayers().length) {
        var b = l.getBounds();
        bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
      }
    });
    if (bounds) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([31.26, 121.48], 13); }
  }

  // --- the keepers: place a point --------------------------------------------------------------
  var pick = document.getElementById("point-map");
  if (pick) {
    var map = m.baseMap(pick, config.tiles);
    var shapes = outlines(map);
    var others = dots(map, config.points, function () { return "#475569"; });
    var form = pick.closest("form");
    var lat = form.querySelector("input[name=lat]");
    var lng = form.querySelector("input[name=lng]");
    var coords = form.querySelector("input[name=coords]");
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
    }
    if (lat.value && lng.value) { place([parseFloat(lat.value), parseFloat(lng.value)]); }
    frame(map, [shapes]);
    if (marker) { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16)); }
    map.on("click", function (e) {
      place(e.latlng);
      lat.value = e.latlng.lat.toFixed(6);
      lng.value = e.latlng.lng.toFixed(6);
      coords.value = config.coords;
    });
    void others;
  }

  // --- coverage: the gaps -------------------------------------------------------------------------
  var cov = document.getElementById("coverage-map");
  if (cov) {
    var cmap = m.baseMap(cov, config.tiles);
    var area = outlines(cmap);
    L.geoJSON(config.gaps, { style: function () { return { color: "#dc2626", weight: 0, fillColor: "#dc2626", fillOpacity: 0.45 }; }, interactive: false }).addTo(cmap);
    config.points.forEach(function (p) {
      L.circle(p.at, { radius: p.reach, color: "#15803d", weight: 1, dashArray: "4 4", fill: false, interactive: false }).addTo(cmap);
    });
    dots(cmap, config.points, function () { return "#15803d"; });
    frame(cmap, [area]);
  }

  // --- 身边的服务 ---------------------------------------------------------------------------------
  var near = document.getElementById("nearby-map");
  if (near) {
    var nform = document.getElementById("nearby-form");
    var nmap = m.baseMap(near, config.tiles);
    var nshapes = outlines(nmap);
    var status = document.getElementById("nearby-status");
    var found = dots(nmap, config.points, function (p) { return p.open ? "#15803d" : "#6b7280"; });
    function go(la, ln, system) {
      nform.querySelector("input[name=lat]").value = la.toFixed(6);
      nform.querySelector("input[name=lng]").value = ln.toFixed(6);
      nform.querySelector("input[name=coords]").value = system;
      var community = nform.querySelector("select[name=community]");
      if (community) { community.value = ""; }
      nform.submit();
    }
    if (config.here) {
      L.circle(config.here, { radius: config.reach, color: "#1d4ed8", weight: 1.5, fillColor: "#1d4ed8", fillOpacity: 0.06, interactive: false }).addTo(nmap);
      L.circleMarker(config.here, { radius: 8, color: "#fff", weight: 3, fillColor: "#1d4ed8", fillOpacity: 1 }).addTo(nmap);
      nmap.setView(config.here, 15);
      if (found.getLayers().length) { nmap.fitBounds(found.getBounds().extend(config.here), { padding: [30, 30], maxZoom: 16 }); }
    } else {
      frame(nmap, [nshapes]);
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
