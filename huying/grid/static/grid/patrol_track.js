/* While a patrol is open the phone records where it is and sends the points in batches to
   the API (POST /api/v1/patrols/<id>/track). Points wait in localStorage until the server has
   them, so a lost signal or a reload loses nothing; a batch sent twice adds nothing (the
   server takes only points after the last it kept). */
(function () {
  "use strict";
  var node = document.querySelector("[data-patrol-track]");
  if (!node || !navigator.geolocation) return;
  var url = node.getAttribute("data-patrol-track");
  var key = "huying-track-" + url;
  var keptNode = node.querySelector("[data-track-kept]");
  var pendingNode = node.querySelector("[data-track-pending]");
  var EVERY_MS = 30000, BATCH = 200, MIN_METRES = 5;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(points) {
    try { localStorage.setItem(key, JSON.stringify(points)); } catch (e) { /* full: keep in memory */ }
  }
  var pending = load();
  var kept = Number(node.getAttribute("data-kept") || 0);
  function show() {
    if (keptNode) keptNode.textContent = String(kept);
    if (pendingNode) pendingNode.textContent = String(pending.length);
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (input ? input.value : "");
  }
  function metres(a, b) {
    var k = 111320, dy = (a.lat - b.lat) * k, dx = (a.lng - b.lng) * k * Math.cos(a.lat * Math.PI / 180);
    return Math.sqrt(dx * dx + dy * dy);
  }
  var sending = false;
  function send() {
    if (sending || !pending.length || !navigator.onLine) return Promise.resolve();
    sending = true;
    var batch = pending.slice(0, BATCH);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ points: batch }),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (r.ok) kept = body.kept;
        // Sent, or refused for good (the patrol ended, a bad point): either way not again.
        if (r.ok || r.status === 422 || r.status === 404) {
          pending = pending.slice(batch.length);
          save(pending);
        }
      });
    }).catch(function () { /* offline: try again later */ }).then(function () {
      sending = false;
      show();
    });
  }
  navigator.geolocation.watchPosition(function (pos) {
    var point = { lat: pos.coords.latitude, lng: pos.coords.longitude, at: pos.timestamp / 1000 };
    var last = pending[pending.length - 1];
    if (last && metres(last, point) < MIN_METRES) return;
    pending.push(point);
    save(pending);
    show();
    if (pending.length >= BATCH) send();
  }, function () { /* no fix: nothing to record */ }, { enableHighAccuracy: true, maximumAge: 10000 });
  setInterval(send, EVERY_MS);
  // The last points go before the patrol ends (afterwards the server refuses them). This
  // listener comes before phone.js's (which adds the end position): it holds the submit
  // back until the points are sent, then lets it go on through phone.js.
  document.querySelectorAll("form[data-patrol-end]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!pending.length || form.dataset.flushed) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      send().then(function () {
        form.dataset.flushed = "1";
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    });
  });
  show();
  send();
})();
