/* 待定位 (gazetteer/unplaced.html): click the map where the case is; the grid whose outline
 * holds the point is chosen in the list, and the point goes into the form. The server
 * places it again by the same outlines (and refuses a point outside the chosen grid).
 * Coordinates are in the tiles' system, as the server sends them; it converts them back.
 * Text from the database (grid names) is only ever set as textContent. */
(function () {
  "use strict";
  var m = window.huyingMap;
  var container = document.getElementById("place-map");
  if (!m || !container) return;
  var config = JSON.parse(document.getElementById("place-config").textContent);
  var text = config.text;
  var status = document.getElementById("place-status");
  var form = document.querySelector("form.place-form");
  var select = form.querySelector("select[name=grid]");
  var latInput = form.querySelector("input[name=lat]");
  var lngInput = form.querySelector("input[name=lng]");

  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in params ? String(params[key]) : all; });
  }

  /* Ray casting over a GeoJSON ring ([lng, lat] positions). */
  function inRing(lat, lng, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inPolygon(lat, lng, rings) {
    if (!rings.length || !inRing(lat, lng, rings[0])) return false;
    for (var k = 1; k < rings.length; k++) if (inRing(lat, lng, rings[k])) return false;
    return true;
  }
  function gridAt(features, lat, lng) {
    for (var i = 0; i < features.length; i++) {
      var g = features[i].geometry;
      var polygons = g.type === "MultiPolygon" ? g.coordinates : [g.coordinates];
      for (var p = 0; p < polygons.length; p++) if (inPolygon(lat, lng, polygons[p])) return features[i];
    }
    return null;
  }

  var map = m.baseMap(container, config.tiles);
  map.setView([30.66, 104.06], 12);
  var marker = null;
  function put(ll) {
    if (marker) marker.setLatLng(ll);
    else marker = L.marker(ll, { keyboard: false }).addTo(map);
  }
  if (config.point) put([config.point.lat, config.point.lng]);

  m.getJSON(config.grids).then(function (geojson) {
    var layer = m.gridLayer(geojson).addTo(map);
    var features = geojson.features;
    if (layer.getLayers().length) map.fitBounds(config.point ? L.latLng(config.point.lat, config.point.lng).toBounds(800) : layer.getBounds(), { padding: [10, 10] });
    function choose(latlng) {
      put(latlng);
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = latlng.lng.toFixed(6);
      var grid = gridAt(features, latlng.lat, latlng.lng);
      if (grid) {
        select.value = String(grid.id);
        status.textContent = fill(text.inside, { grid: grid.properties.name });
      } else {
        select.value = "";
        status.textContent = text.outside;
      }
    }
    map.on("click", function (e) { choose(e.latlng); });
    layer.on("click", function (e) { choose(e.latlng); });
    /* A grid picked from the list by hand: the point no longer says where. */
    select.addEventListener("change", function () {
      latInput.value = "";
      lngInput.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      status.textContent = text.hint;
    });
  }).catch(function (e) {
    status.textContent = fill(text.failed, { message: e.message });
  });
})();
