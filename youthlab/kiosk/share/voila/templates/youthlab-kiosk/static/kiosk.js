// YouthLab kiosk page: idle reset with an attract screen, ko/en labels, friendly errors,
// and a staff exit (long press on the top-left corner, PIN checked by the server).
(function () {
  "use strict";
  const base = document.body.getAttribute("data-base-url").replace(/voila\/$/, "");
  const params = new URLSearchParams(location.search);
  function pageConfig() {
    try { return JSON.parse(document.getElementById("jupyter-config-data").textContent); }
    catch (e) { return {}; }
  }
  // The frame's words and the kiosk's language come in the page (youthlab.kiosk.page_words):
  // the buttons and the error box are labelled from the start, whatever config.json does.
  const frame = pageConfig().youthlabFrame || { language: "ko", messages: {} };
  const lang = params.get("lang") === "en" ? "en" : (params.get("lang") === "ko" ? "ko" : frame.language);
  let config = { idle_seconds: 90, exit_enabled: false };
  let lastTouch = Date.now();
  let resetting = false;

  function msg(key) {
    const m = frame.messages[key];
    return m ? m[lang] || m.ko : "";
  }
  function applyMessages() {
    document.querySelectorAll("[data-msg]").forEach((el) => { el.textContent = msg(el.dataset.msg); });
    // The page speaks one language (screen readers, fonts); the language button, named
    // in the other language, says so.
    document.documentElement.lang = lang;
    const other = document.getElementById("youthlab-lang");
    if (other) other.lang = lang === "en" ? "ko" : "en";
  }
  // The app's header keeps the frame's buttons clear of its title: their width, read after
  // each layout that changed it (a new label), never by forcing a layout while the page loads.
  const bar = document.getElementById("youthlab-kiosk-bar");
  const setBarWidth = () => document.documentElement.style.setProperty("--yk-bar-w", bar.offsetWidth + "px");
  if (bar && window.ResizeObserver) new ResizeObserver(setBarWidth).observe(bar);
  else if (bar) window.addEventListener("load", setBarWidth);
  function kernelId() {
    return pageConfig().kernelId || null;
  }
  function report(what) {
    fetch(base + "kiosk/report", { method: "POST", body: JSON.stringify({ page: location.pathname, what: what }) })
      .catch(() => {});
  }

  // A new visitor gets a new kernel: end ours, then reload (the pool hands out a fresh one).
  function resetForNextVisitor() {
    if (resetting) return;
    resetting = true;
    const kid = kernelId();
    const done = () => { location.replace(location.pathname + "?lang=" + frame.language + "&reset=" + Date.now()); };
    if (kid) fetch(base + "kiosk/reset/" + kid, { method: "POST", keepalive: true }).then(done, done);
    else done();
  }
  function showAttract() {
    const el = document.getElementById("youthlab-attract");
    if (el && el.hidden) {
      el.hidden = false;
      // The last visitor's state goes now, not when the next one touches.
      const kid = kernelId();
      if (kid) fetch(base + "kiosk/reset/" + kid, { method: "POST", keepalive: true }).catch(() => {});
      document.body.dataset.kioskIdle = "true";
    }
  }
  function touched() {
    lastTouch = lastRealTouch = Date.now();
    const el = document.getElementById("youthlab-attract");
    if (el && !el.hidden) resetForNextVisitor();
  }
  // The idle clock starts when the app is on the screen (a slow start is not the visitor
  // walking away), and the app still answering a touch (outputs changing within one idle
  // period of it) counts as in use; an endless animation does not keep it awake.
  let lastRealTouch = 0;
  let appShown = false;
  new MutationObserver(() => {
    const now = Date.now();
    if (!appShown && document.querySelector(".jupyter-widgets, .jp-OutputArea-output")) {
      appShown = true;
      lastTouch = now;
    } else if (appShown && now - lastRealTouch < config.idle_seconds * 1000) {
      lastTouch = now;
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach((ev) =>
    window.addEventListener(ev, touched, { capture: true, passive: true }));
  setInterval(() => {
    // An app that never shows (a kernel that did not start) still goes back, later.
    const limit = appShown ? config.idle_seconds : Math.max(3 * config.idle_seconds, 120);
    if (Date.now() - lastTouch > limit * 1000) showAttract();
  }, 1000);


  // Friendly message instead of an error output (Voila renders a cell error as a stderr
  // block carrying our marker, see server.py); staff get a report.
  function checkCellErrors() {
    const box = document.getElementById("youthlab-cell-error");
    if (!box || !box.hidden) return;
    const outputs = document.querySelectorAll(
      '[data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"]');
    for (const out of outputs) {
      if (out.textContent.indexOf("youthlab-kiosk-cell-error") >= 0 ||
          out.getAttribute("data-mime-type") === "application/vnd.jupyter.error") {
        box.hidden = false;
        report("cell error output");
        return;
      }
    }
    // A widget that could not be drawn (its JavaScript failed) shows a technical box.
    if (document.querySelector(".jupyter-widgets-error-widget")) {
      box.hidden = false;
      report("widget error");
    }
  }
  applyMessages();
  new MutationObserver(checkCellErrors).observe(document.body, { childList: true, subtree: true });

  // Pictures an app draws (widget images, plots) come without a text for screen readers:
  // the scene's picture is named by the scene's label (ui.stage(scene_key=...)) or the
  // app's title; any other picture is decoration.
  function nameImages() {
    document.querySelectorAll(".youthlab-kiosk-app img:not([alt])").forEach((img) => {
      const scene = img.closest(".youthlab-kiosk-scene");
      const app = img.closest(".youthlab-kiosk-app");
      const label = scene && (scene.querySelector(".youthlab-kiosk-scene-label") ||
                              app.querySelector(".youthlab-kiosk-title"));
      img.alt = label ? label.textContent.trim() : "";
    });
  }
  new MutationObserver(nameImages).observe(document.body, { childList: true, subtree: true });
  checkCellErrors();
  window.addEventListener("error", (e) => report("page error: " + (e.message || "")));

  // Staff exit: press the top-left corner for 3 seconds, then the PIN.
  let pressTimer = null;
  window.addEventListener("pointerdown", (e) => {
    if (!config.exit_enabled || e.clientX > 80 || e.clientY > 80) return;
    pressTimer = setTimeout(() => {
      const pin = window.prompt(msg("kiosk.exit.pin"));
      if (pin === null) return;
      // The token from config.json shows the server this post comes from the kiosk's own page.
      fetch(base + "kiosk/exit", { method: "POST", body: new URLSearchParams({ pin: pin }),
                                   headers: { "X-YouthLab-Kiosk-Token": config.token || "" } })
        .then((r) => r.json().catch(() => ({})).then((b) => {
          if (r.ok) location.href = base + "kiosk/staff";
          else alert((b.message && (b.message[lang] || b.message.ko)) || msg("kiosk.exit.wrong"));
        }));
    }, 3000);
  });
  window.addEventListener("pointerup", () => clearTimeout(pressTimer));
  document.addEventListener("contextmenu", (e) => e.preventDefault());

  fetch(base + "kiosk/config.json").then((r) => r.json())
    .then((c) => { config = c; })
    .catch(() => {});

  // The frame's language button: the app restarts in the other language (the kernel
  // reads ?lang=, see youthlab.i18n), for apps without a toggle of their own too.
  const langButton = document.getElementById("youthlab-lang");
  if (langButton) langButton.addEventListener("click", (ev) => {
    ev.preventDefault();
    const kid = kernelId();
    const go = () => location.replace(location.pathname + "?lang=" + (lang === "ko" ? "en" : "ko"));
    if (kid) fetch(base + "kiosk/reset/" + kid, { method: "POST", keepalive: true }).then(go, go);
    else go();
  });
})();
