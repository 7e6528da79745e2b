/* 街长制 map: the segments as lines, a dot per responsible person in the armband colours
 * (grid worker red, party-member chief green, merchant chief blue). Coordinates arrive in the
 * tiles' system; text from the database is only ever set as textContent. */
(function () {
  "use strict";
  var node = document.getElementById("road-map");
  var data = document.getElementById("road-map-config");
  if (!node || !data || !window.L) { return; }
  var config = JSON.parse(data.textContent);
  var map = L.map(node, { zoomControl: true });
  if (config.tiles && config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  var layer = L.featureGroup().addTo(map);

  function popup(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.code + " " + props.road + " " + props.name;
    box.appendChild(title);
    props.people.forEach(function (p) {
      var line = document.createElement("div");
      line.textContent = p.duty_label + "：" + p.name + (p.public_phone ? " " + p.public_phone : "");
      line.style.color = config.colours[p.duty];
      box.appendChild(line);
    });
    return box;
  }

  config.segments.features.forEach(function (f) {
    var latlngs = f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    var line = L.polyline(latlngs, { color: "#334155", weight: 6, opacity: 0.85 });
    line.bindPopup(popup(f.properties));
    line.bindTooltip(f.properties.code, { permanent: true, direction: "top", className: "segment-label" });
    layer.addLayer(line);
    var people = f.properties.people;
    people.forEach(function (p, i) {
      var at = latlngs[Math.min(latlngs.length - 1, Math.floor((i + 1) * (latlngs.length - 1) / (people.length + 1)))];
      var share = (i + 1) / (people.length + 1);
      var a = latlngs[0], b = latlngs[latlngs.length - 1];
      if (latlngs.length === 2) { at = [a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share]; }
      var dot = L.circleMarker(at, { radius: 7, color: "#fff", weight: 2, fillColor: config.colours[p.duty], fillOpacity: 1 });
      dot.bindTooltip(p.duty_label + " " + p.name);
      layer.addLayer(dot);
    });
  });
  if (layer.getLayers().length) {
    map.fitBounds(layer.getBounds(), { padding: [30, 30] });
  } else {
    node.hidden = true;  // nothing drawn yet: the list and the form say so
  }
})();
