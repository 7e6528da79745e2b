/* A patrol's page: its track (thinned on the server) over its grid's outline. */
(function () {
  "use strict";
  var m = window.huyingMap;
  document.querySelectorAll("[data-patrol-map]").forEach(function (container) {
    m.getJSON(container.getAttribute("data-patrol-map")).then(function (data) {
      if (!data.grid && data.track.length === 0) {
        container.textContent = m.t("这次巡查没有轨迹。");
        return;
      }
      var map = m.baseMap(container, data.tiles, { scrollWheelZoom: false });
      var outline = data.grid ? m.gridLayer(data.grid) : null;
      var line = data.track.length ? L.polyline(data.track, { color: "#1d4ed8", weight: 4, opacity: 0.85 }) : null;
      // The walk is what the page is about: the view frames the track (the grid when none).
      map.fitBounds(line ? line.getBounds() : outline.getBounds(), { padding: [30, 30], maxZoom: 18 });
      if (outline) outline.addTo(map);
      // How many points were drawn, for whoever checks the page (the browser test).
      container.setAttribute("data-drawn", String(data.track.length));
      if (line) {
        line.addTo(map);
        var ends = [[data.track[0], "#15803d", "起点"], [data.track[data.track.length - 1], "#b91c1c", "终点"]];
        ends.forEach(function (end) {
          L.circleMarker(end[0], { radius: 6, color: "#fff", weight: 2, fillColor: end[1], fillOpacity: 1 })
            .bindTooltip(m.el("span", {}, m.t(end[2])))
            .addTo(map);
        });
      }
    }).catch(function (e) {
      container.textContent = m.t("地图加载失败：{message}", { message: e.message });
    });
  });
})();
