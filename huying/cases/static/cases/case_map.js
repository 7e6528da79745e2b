/* The case detail's mini-map (cases/_case_map.html): the case's point and its grid outline. */
(function () {
  "use strict";
  var m = window.huyingMap;
  document.querySelectorAll("[data-case-map]").forEach(function (container) {
    var note = container.parentNode.querySelector("[data-case-map-note]");
    m.getJSON(container.getAttribute("data-case-map")).then(function (data) {
      if (!data.grid && !data.point) {
        container.textContent = m.t("该事件没有可显示的位置（无坐标，所在网格无边界）。");
        return;
      }
      var map = m.baseMap(container, data.tiles, { scrollWheelZoom: false });
      var outline = data.grid ? m.gridLayer(data.grid) : null;
      var ll = data.point ? [data.point.lat, data.point.lng] : null;
      // Leaflet draws nothing before the map has a view: set it first, then add the layers.
      if (outline) {
        var bounds = outline.getBounds();
        if (ll) bounds.extend(ll);
        map.fitBounds(bounds, { padding: [15, 15], maxZoom: 17 });
      } else {
        map.setView(ll, 16);
      }
      if (outline) outline.addTo(map);
      if (ll) {
        L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#b91c1c", fillOpacity: 1 })
          .bindTooltip(m.el("span", {}, m.t("事件位置")))
          .addTo(map);
      }
      if (note && data.system.code !== "wgs84") {
        note.appendChild(document.createTextNode(" " + m.t("地图按 {system} 显示（已换算）。", { system: data.system.label })));
      }
    }).catch(function (e) {
      container.textContent = m.t("地图加载失败：{message}", { message: e.message });
    });
  });
})();
