/* 呼应 phone pages: photo resizing, GPS, category hints, and the offline report queue.
   Everything here is an enhancement: without JavaScript the forms still post normally. */
(function () {
  "use strict";
  const MAX_SIDE = 1600, QUALITY = 0.8, DB = "huying-phone", STORE = "reports";

  // Text in the page's language: the page carries the translations ({% js_strings %}),
  // keyed by the Chinese source text, which is also what shows when one is missing.
  let strings = null;
  function t(text, params) {
    if (strings === null) {
      const el = document.getElementById("js-strings");
      try { strings = el ? JSON.parse(el.textContent) : {}; } catch (e) { strings = {}; }
    }
    const out = strings[text] || text;
    return params ? out.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : out;
  }

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // --- IndexedDB queue --------------------------------------------------------------------
  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  async function tx(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  const queue = {
    put: (item) => tx("readwrite", (s) => s.put(item)),
    all: () => tx("readonly", (s) => s.getAll()),
    remove: (key) => tx("readwrite", (s) => s.delete(key)),
  };

  function banner(text) {
    const box = document.getElementById("queue-banner");
    if (!box) return;
    box.hidden = !text;
    box.querySelector("li").textContent = text || "";
  }

  // Send every queued report; the server's submission_key makes a resend harmless.
  let flushing = false;
  async function flush() {
    if (flushing || !navigator.onLine || !self.indexedDB) return;
    flushing = true;
    try {
      const items = await queue.all();
      for (const item of items) {
        const body = new FormData();
        for (const [k, v] of item.fields) body.append(k, v);
        for (const f of item.files) body.append(f.field || "photos", f.blob, f.name);
        let res;
        try {
          res = await fetch(item.url, { method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf() }, credentials: "same-origin" });
        } catch (e) { break; } // still offline
        if (res.status === 201 || res.status === 200) {
          const data = await res.json();
          await queue.remove(item.key);
          banner(t("离线保存的反映已发送，事件编号 {number}，查询码 {code}", { number: data.number, code: data.track_code }));
        } else if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 403) {
          await queue.remove(item.key); // refused for good: keep the queue moving
          const data = await res.json().catch(() => ({}));
          banner(t("一条离线反映未被受理：{reason}", { reason: (data.error && data.error.message) || res.status }));
        } else { break; }
      }
      const left = (await queue.all()).length;
      if (left) banner(t("还有 {count} 条反映等待联网发送", { count: left }));
    } finally { flushing = false; }
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (input ? input.value : "");
  }

  // --- photos: shrink before upload --------------------------------------------------------
  function resize(file) {
    return new Promise((resolve) => {
      if (!file.type.startsWith("image/")) return resolve(file);
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob((blob) => {
          URL.revokeObjectURL(img.src);
          resolve(blob && blob.size < file.size ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", QUALITY);
      };
      img.onerror = () => resolve(file);
      img.src = URL.createObjectURL(file);
    });
  }

  // Why the server refused a report: a service error names its field ({field: "after"}), a
  // form's errors list each field's; each message goes next to its field, the rest on top.
  function showRefusal(form, err) {
    form.querySelectorAll(".js-error").forEach((el) => el.remove());
    const details = err.details || {};
    const byField = typeof details.field === "string" ? { [details.field]: [err.message] } : details;
    const loose = [];
    for (const [name, messages] of Object.entries(byField)) {
      const input = form.querySelector('[name="' + name + '"]:not([type=hidden])');
      if (!input) { loose.push(...[].concat(messages)); continue; }
      const list = document.createElement("ul");
      list.className = "errorlist js-error";
      for (const m of [].concat(messages)) {
        const li = document.createElement("li");
        li.textContent = m;
        list.appendChild(li);
      }
      input.after(list);
    }
    let box = form.querySelector(".error-box");
    if (!box) { box = document.createElement("div"); box.className = "error-box"; box.setAttribute("role", "alert"); form.prepend(box); }
    const message = err.message || t("提交失败");
    box.textContent = loose.length ? t("{message}：{details}", { message, details: loose.join(t("；")) }) : message;
  }

  // A report form: the report page's, or a chief's own fix with its photos before and after.
  function setupReport(form) {
    const key = form.querySelector("input[name=submission_key]");
    if (key && !key.value) key.value = uuid();
    const picked = {}; // each file input's photos, shrunk, by the input's name
    form.querySelectorAll("input[type=file]").forEach((input) => {
      const previews = form.querySelector('[data-previews="' + input.name + '"]');
      picked[input.name] = [];
      input.addEventListener("change", async () => {
        picked[input.name] = await Promise.all(Array.from(input.files).slice(0, 9).map(resize));
        if (!previews) return;
        previews.innerHTML = "";
        for (const p of picked[input.name]) {
          const img = document.createElement("img");
          img.src = URL.createObjectURL(p);
          img.alt = p.name;
          previews.appendChild(img);
        }
      });
    });

    // Where the report is: a point picked on the map (in the map's system, which the server
    // converts) or the phone's GPS (WGS-84). Either way the person sees which street,
    // community and grid it falls in before sending.
    const status = document.getElementById("locate-status");
    const placeEl = document.getElementById("place");
    const cfgEl = document.getElementById("pick-config");
    const cfg = cfgEl ? JSON.parse(cfgEl.textContent) : null;
    function setPoint(lat, lng, coords) {
      form.querySelector("input[name=lat]").value = lat.toFixed(6);
      form.querySelector("input[name=lng]").value = lng.toFixed(6);
      form.querySelector("input[name=coords]").value = coords;
      if (!placeEl || !cfg) return;
      placeEl.textContent = "";
      const query = new URLSearchParams({ lat: lat.toFixed(6), lng: lng.toFixed(6), coords });
      fetch(cfg.where + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((p) => {
          if (!p) return;
          placeEl.textContent = p.grid
            ? t("位于：{street} {community} {grid}", p)
            : t("这个位置不在本区的网格内，工作人员会按地址判断");
        })
        .catch(() => {}); // offline: the point is kept, the names come with the case
    }

    let map = null, marker = null;
    function mark(latlng) {
      if (!map) return;
      if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng, { keyboard: false }).addTo(map);
    }
    const pickEl = document.getElementById("pick-map");
    if (pickEl && cfg && window.huyingMap) {
      map = window.huyingMap.baseMap(pickEl, cfg.tiles);
      map.fitBounds(cfg.bounds);
      const STYLE = {
        street: { color: "#7f1d1d", weight: 2.5, fill: false },
        community: { color: "#b91c1c", weight: 1.5, dashArray: "6 4", fill: false },
        grid: { color: "#9ca3af", weight: 0.8, fillColor: "#ffffff", fillOpacity: cfg.tiles.url ? 0 : 0.6 },
      };
      fetch(cfg.base, { credentials: "same-origin" })
        .then((r) => r.json())
        .then((geo) => {
          const layer = L.geoJSON(geo, { style: (f) => STYLE[f.properties.kind] || STYLE.grid, interactive: false });
          layer.addTo(map);
          layer.bringToBack();
        })
        .catch(() => {});
      map.on("click", (e) => {
        mark(e.latlng);
        setPoint(e.latlng.lat, e.latlng.lng, cfg.coords);
        status.textContent = t("已在地图上选点");
      });
    }

    const locate = document.getElementById("locate");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", () => {
        status.textContent = t("定位中…");
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            setPoint(pos.coords.latitude, pos.coords.longitude, "wgs84");
            // The marker only where the map is drawn in the phone's own system.
            if (cfg && cfg.coords === "wgs84") {
              const here = L.latLng(pos.coords.latitude, pos.coords.longitude);
              mark(here);
              map && map.setView(here, Math.max(map.getZoom(), 16));
            }
            status.textContent = t("已定位（精度约 {metres} 米）", { metres: Math.round(pos.coords.accuracy) });
          },
          () => { status.textContent = t("无法定位，请在地图上点选或填写地点"); },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    } else if (locate) { locate.hidden = true; }

    // Category hints: the server's suggestion (huying.catalogue.suggest) as the person types,
    // its top three one tap away. Offline there is simply no hint.
    const select = form.querySelector("select[name=item_id]");
    const suggest = document.getElementById("item-suggest");
    const suggestUrl = suggest && suggest.dataset.url;
    if (select && suggest && suggestUrl) {
      let timer = null, asked = 0;
      const hint = () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const title = form.querySelector("[name=title]").value.trim();
          const description = form.querySelector("[name=description]").value.trim();
          const mine = ++asked;
          if (!title && !description) { suggest.innerHTML = ""; return; }
          let data = null;
          try {
            const res = await fetch(suggestUrl, {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
              body: JSON.stringify({ title: title || description, description: title ? description : "" }),
            });
            data = res.ok ? await res.json() : null;
          } catch (e) { data = null; }
          if (mine !== asked) return; // a later keystroke's answer is coming
          suggest.innerHTML = "";
          for (const s of ((data && data.items) || []).slice(0, 3)) {
            const opt = select.querySelector('option[value="' + s.item_id + '"]');
            if (!opt) continue;
            const b = document.createElement("button");
            b.type = "button"; b.className = "badge"; b.textContent = t("可能是：{item}", { item: opt.textContent });
            b.addEventListener("click", () => { select.value = String(s.item_id); });
            suggest.appendChild(b);
          }
        }, 300);
      };
      form.querySelector("[name=title]").addEventListener("input", hint);
      form.querySelector("[name=description]").addEventListener("input", hint);
      // Text typed before this script ran (a slow connection), or restored by the browser
      // on coming back to the page, gets its hint too.
      hint();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const fields = [];
      for (const [k, v] of new FormData(form)) if (!(v instanceof File)) fields.push([k, v]);
      const files = [];
      for (const [field, list] of Object.entries(picked)) for (const p of list) files.push({ field, name: p.name, blob: p });
      const item = { key: key.value, url: form.action || location.pathname, fields, files };
      const body = new FormData();
      for (const [k, v] of fields) body.append(k, v);
      for (const f of files) body.append(f.field, f.blob, f.name);
      try {
        const res = await fetch(item.url, { method: "POST", body, headers: { Accept: "application/json", "X-CSRFToken": csrf() }, credentials: "same-origin" });
        const data = await res.json().catch(() => ({}));
        if (res.status === 201) { location.href = data.url; return; }
        if (res.status >= 500) throw new Error("server");
        showRefusal(form, data.error || {}); // refused: the person corrects it
      } catch (e) {
        if (!self.indexedDB) { form.submit(); return; }
        await queue.put(item);
        banner(t("无网络：反映已保存在手机上，联网后自动发送"));
        form.reset(); key.value = uuid();
        for (const name in picked) picked[name] = [];
        form.querySelectorAll("[data-previews]").forEach((el) => { el.innerHTML = ""; });
      } finally { button.disabled = false; }
    });
  }

  function onlineState() {
    const off = document.getElementById("offline-banner");
    if (off) off.hidden = navigator.onLine;
    if (navigator.onLine) flush();
  }

  // Patrol start/end: record where the phone is, if it can tell within a few seconds.
  function setupPosition(form) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.located || !navigator.geolocation) return;
      event.preventDefault();
      const go = () => { form.dataset.located = "1"; form.submit(); };
      navigator.geolocation.getCurrentPosition((pos) => {
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
        go();
      }, go, { timeout: 5000, maximumAge: 60000 });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#report-form, #fixed-form").forEach(setupReport);
    document.querySelectorAll("form.position-form").forEach(setupPosition);
    window.addEventListener("online", onlineState);
    window.addEventListener("offline", onlineState);
    onlineState();
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(() => {});
  });
  window.huyingQueue = { flush, queue };
})();
