// The browser end of the drone kiosk's scene (youthlab/drone/kiosk_scene.py): a top-down
// SVG map (north up), the drone on it, tapped stops, flown tracks, and flights played back
// as animations. No CDN, no build step. Map points are cm in the takeoff frame
// (x north, y west); on screen X = -y (east to the right), Y = -x (north up).
const NS = "http://www.w3.org/2000/svg";
const MAX_PLAY_S = 12;   // a long flight is sped up to fit
const KEY_STEP_CM = 10;  // a keyboard cursor step

function node(name, attrs, parent) {
  const n = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (parent) parent.appendChild(n);
  return n;
}
const X = (p) => -p[1];
const Y = (p) => -p[0];
const pts = (list) => list.map((p) => `${X(p).toFixed(1)},${Y(p).toFixed(1)}`).join(" ");

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "ylab-drone-scene";
  box.style.cssText = "position:relative;width:100%;height:100%;min-height:320px;touch-action:none;" +
                      "user-select:none;-webkit-user-select:none;outline-offset:4px";
  const svg = node("svg", { width: "100%", height: "100%", preserveAspectRatio: "xMidYMid meet",
                            "aria-hidden": "true", focusable: "false" });
  svg.style.cssText = "display:block;position:absolute;inset:0";
  box.appendChild(svg);
  const gauge = document.createElement("div");  // the drone's height, for worlds that name it
  gauge.className = "ylab-drone-height";
  gauge.setAttribute("aria-hidden", "true");
  gauge.style.cssText = "position:absolute;top:12px;left:12px;padding:6px 14px;border-radius:14px;" +
                        "background:#ffffffe6;color:#1c1c1e;font-size:28px;font-weight:800;display:none";
  box.appendChild(gauge);
  el.appendChild(box);

  const ground = node("g", {}, svg);      // world: sea, land, zones, places
  const plan = node("g", {}, svg);        // stops and planned legs
  const flown = node("g", {}, svg);       // tracks and parcels
  const actor = node("g", {}, svg);       // the drone and its shadow
  const cursorLayer = node("g", {}, svg); // keyboard cursor
  let unit = 1;                           // a "pixel" of the design in map units
  let cursor = null;                      // keyboard cursor (cm) or null
  let pose = null;                        // the drone's shown pose
  let lastHeading = 0;
  const queue = [];
  let playing = null;

  // -- the world ----------------------------------------------------------------------------
  function drawWorld() {
    ground.replaceChildren();
    const w = model.get("world") || {};
    if (w.x_max === undefined) return;
    const spanX = w.y_max - w.y_min, spanY = w.x_max - w.x_min;
    const m = Math.max(spanX, spanY) * 0.03;
    svg.setAttribute("viewBox", `${-w.y_max - m} ${-w.x_max - m} ${spanX + 2 * m} ${spanY + 2 * m}`);
    unit = Math.max(spanX, spanY) / 600;
    const island = w.kind === "island";
    node("rect", { x: -w.y_max - m, y: -w.x_max - m, width: spanX + 2 * m, height: spanY + 2 * m,
                   fill: island ? "#9fd4ef" : "#e9edf2" }, ground);
    if (w.grid) {
      const g = node("g", { stroke: "#c9d2dc", "stroke-width": unit }, ground);
      for (let x = Math.ceil(w.x_min / w.grid) * w.grid; x <= w.x_max; x += w.grid)
        node("line", { x1: -w.y_max, x2: -w.y_min, y1: -x, y2: -x }, g);
      for (let y = Math.ceil(w.y_min / w.grid) * w.grid; y <= w.y_max; y += w.grid)
        node("line", { x1: -y, x2: -y, y1: -w.x_max, y2: -w.x_min }, g);
    }
    for (const poly of w.land || [])
      node("polygon", { points: pts(poly), fill: "#e6d29a", stroke: "#9c8450", "stroke-width": 2 * unit,
                        "stroke-linejoin": "round" }, ground);
    node("rect", { x: -w.y_max, y: -w.x_max, width: spanX, height: spanY, fill: "none", stroke: "#5b6770",
                   "stroke-width": 2 * unit, "stroke-dasharray": `${10 * unit} ${8 * unit}` }, ground);
    for (const z of w.no_fly || []) {
      node("circle", { cx: X([z.x, z.y]), cy: Y([z.x, z.y]), r: z.r, fill: "#e5484d", "fill-opacity": 0.35,
                       stroke: "#b4232a", "stroke-width": 3 * unit }, ground);
      for (const [dx, dy] of [[-14, 4], [8, -8]]) {  // two seagulls over the rock
        const bx = X([z.x, z.y]) + dx * unit, by = Y([z.x, z.y]) + dy * unit;
        node("path", { d: `M ${bx - 10 * unit} ${by} q ${5 * unit} ${-7 * unit} ${10 * unit} 0 ` +
                          `q ${5 * unit} ${-7 * unit} ${10 * unit} 0`,
                       fill: "none", stroke: "#7a1218", "stroke-width": 3 * unit, "stroke-linecap": "round" }, ground);
      }
      label(z.label, [z.x - z.r, z.y], "#7a1218", "hanging");
    }
    if (w.home) place(w.home, "#2f9e44", w.home.pad);
    if (w.target) {
      const tp = [w.target.x, w.target.y];
      node("circle", { cx: X(tp), cy: Y(tp), r: w.target.r, fill: "#ffffff", "fill-opacity": 0.5,
                       stroke: "#6741d9", "stroke-width": 3 * unit, "stroke-dasharray": `${6 * unit} ${5 * unit}` },
           ground);
      house(tp);
      label(w.target.label, [w.target.x + w.target.r, w.target.y], "#4c2aa8", "auto");
    }
    if (w.star) star([w.star.x, w.star.y], w.star.label);
    if (w.north) {
      const nx = -w.y_min - 30 * unit, ny = -w.x_max + 60 * unit;
      node("path", { d: `M ${nx} ${ny - 40 * unit} l ${12 * unit} ${30 * unit} l ${-24 * unit} 0 z`, fill: "#27323a" },
           ground);
      text(w.north, nx, ny + 12 * unit, "#27323a", "hanging", 22);
    }
  }
  function text(s, x, y, color, baseline, size) {
    const n = node("text", { x, y, fill: color, "font-size": (size || 24) * unit, "font-weight": 700,
                             "text-anchor": "middle", "dominant-baseline": baseline, "paint-order": "stroke",
                             stroke: "#ffffff", "stroke-width": 5 * unit, "stroke-linejoin": "round",
                             "font-family": "inherit" }, ground);
    n.textContent = s || "";
    return n;
  }
  function label(s, p, color, baseline) {
    return text(s, X(p), Y(p) + (baseline === "hanging" ? 8 : -8) * unit, color, baseline);
  }
  function place(h, color, pad) {
    const p = [h.x, h.y];
    if (pad) {
      node("circle", { cx: X(p), cy: Y(p), r: 30, fill: "#2f9e44", "fill-opacity": 0.2, stroke: color,
                       "stroke-width": 3 * unit }, ground);
      text("H", X(p), Y(p), color, "central", 40);
    } else {
      node("rect", { x: X(p) - 12 * unit, y: Y(p) - 12 * unit, width: 24 * unit, height: 24 * unit, rx: 4 * unit,
                     fill: color, stroke: "#ffffff", "stroke-width": 3 * unit }, ground);
    }
    if (pad) label(h.label, [h.x - 30, h.y], color, "hanging");
    else {  // beside the dock, clear of the drone standing on it
      const n = text(h.label, X(p) - 40 * unit, Y(p), color, "central");
      n.setAttribute("text-anchor", "end");
    }
  }
  function house(p) {
    const x = X(p), y = Y(p), s = unit;
    node("path", { d: `M ${x - 16 * s} ${y} l ${16 * s} ${-16 * s} l ${16 * s} ${16 * s} v ${16 * s} h ${-32 * s} z`,
                   fill: "#7048e8", stroke: "#ffffff", "stroke-width": 3 * s, "stroke-linejoin": "round" }, ground);
  }
  function star(p, name) {
    const x = X(p), y = Y(p), r = 26, d = [];
    for (let i = 0; i < 10; i++) {
      const a = Math.PI / 5 * i - Math.PI / 2, rr = i % 2 ? r * 0.45 : r;
      d.push(`${(x + rr * Math.cos(a)).toFixed(1)},${(y + rr * Math.sin(a)).toFixed(1)}`);
    }
    node("polygon", { points: d.join(" "), fill: "#fcc419", stroke: "#e67700", "stroke-width": 3 * unit }, ground);
    label(name, [p[0] - r, p[1]], "#a35200", "hanging");
  }

  // -- plan, tracks, parcels ---------------------------------------------------------------------
  function drawPlan() {
    plan.replaceChildren();
    const w = model.get("world") || {};
    const stops = model.get("stops") || [];
    box.dataset.stops = String(stops.length);
    if (!w.home || (!stops.length && !w.target)) return;
    if (!stops.length) return;
    const route = [[w.home.x, w.home.y], ...stops];
    if (w.target) route.push([w.target.x, w.target.y]);
    const bad = new Set(model.get("bad_legs") || []);
    for (let i = 0; i + 1 < route.length; i++)
      node("line", { x1: X(route[i]), y1: Y(route[i]), x2: X(route[i + 1]), y2: Y(route[i + 1]),
                     stroke: bad.has(i) ? "#c92a2a" : "#e8590c", "stroke-width": 5 * unit,
                     "stroke-dasharray": `${14 * unit} ${9 * unit}`, "stroke-linecap": "round" }, plan);
    stops.forEach((p, i) => {
      node("circle", { cx: X(p), cy: Y(p), r: 17 * unit, fill: "#e8590c", stroke: "#ffffff", "stroke-width": 4 * unit },
           plan);
      const n = node("text", { x: X(p), y: Y(p), fill: "#ffffff", "font-size": 20 * unit, "font-weight": 700,
                               "text-anchor": "middle", "dominant-baseline": "central", "font-family": "inherit" }, plan);
      n.textContent = String(i + 1);
    });
  }
  function drawFlown() {
    flown.replaceChildren();
    for (const tr of model.get("tracks") || [])
      if (tr.length > 1)
        node("polyline", { points: pts(tr), fill: "none", stroke: "#1c7ed6", "stroke-width": 4 * unit,
                           "stroke-linejoin": "round", "stroke-opacity": 0.8 }, flown);
    for (const p of model.get("drops") || [])
      node("rect", { x: X(p) - 9 * unit, y: Y(p) - 9 * unit, width: 18 * unit, height: 18 * unit,
                     fill: "#a0522d", stroke: "#ffffff", "stroke-width": 3 * unit }, flown);
  }

  // -- the drone ------------------------------------------------------------------------------
  const shadow = node("ellipse", { fill: "#000000", "fill-opacity": 0.25 }, actor);
  const body = node("g", {}, actor);
  const trail = node("polyline", { fill: "none", stroke: "#1c7ed6", "stroke-opacity": 0.9 }, flown.parentNode);
  flown.parentNode.insertBefore(trail, actor);
  let trailPts = [];
  function buildDrone() {
    body.replaceChildren();
    const s = unit;
    const frame = node("g", { stroke: "#343a40", "stroke-width": 5 * s, "stroke-linecap": "round" }, body);
    node("line", { x1: -22 * s, y1: -22 * s, x2: 22 * s, y2: 22 * s }, frame);
    node("line", { x1: 22 * s, y1: -22 * s, x2: -22 * s, y2: 22 * s }, frame);
    for (const [dx, dy] of [[-22, -22], [22, -22], [22, 22], [-22, 22]]) {
      const rotor = node("g", { transform: `translate(${dx * s} ${dy * s})` }, body);
      node("circle", { r: 14 * s, fill: "#dee2e6", "fill-opacity": 0.8, stroke: "#495057", "stroke-width": 2 * s },
           rotor);
      const blade = node("line", { x1: -12 * s, x2: 12 * s, y1: 0, y2: 0, stroke: "#212529", "stroke-width": 3 * s,
                                   class: "ylab-blade" }, rotor);
      blade.dataset.spin = "1";
    }
    node("rect", { x: -12 * s, y: -14 * s, width: 24 * s, height: 28 * s, rx: 6 * s, fill: "#f8f9fa",
                   stroke: "#343a40", "stroke-width": 3 * s }, body);
    node("path", { d: `M 0 ${-26 * s} l ${9 * s} ${12 * s} h ${-18 * s} z`, fill: "#f03e3e" }, body);  // the nose
  }
  function showPose(p) {
    pose = p;
    const gx = X([p.x, p.y]), gy = Y([p.x, p.y]);
    const lift = Math.max(0, p.z) * 0.25, grow = 1 + Math.max(0, p.z) / 250;
    shadow.setAttribute("cx", gx); shadow.setAttribute("cy", gy);
    shadow.setAttribute("rx", 30 * unit); shadow.setAttribute("ry", 22 * unit);
    shadow.setAttribute("fill-opacity", p.z > 5 ? 0.22 : 0.0);
    body.setAttribute("transform", `translate(${gx} ${gy - lift}) scale(${grow}) rotate(${p.heading || 0})`);
    box.dataset.x = p.x.toFixed(0); box.dataset.y = p.y.toFixed(0); box.dataset.z = p.z.toFixed(0);
    box.dataset.heading = (p.heading || 0).toFixed(0);
    const w = model.get("world") || {};
    gauge.style.display = w.height ? "block" : "none";
    if (w.height) gauge.textContent = `${w.height} \u2B06 ${Math.max(0, Math.round(p.z))} cm`;
  }
  let spinAngle = 0;
  function spin(on) {
    spinAngle = on ? (spinAngle + 37) % 360 : spinAngle;
    for (const b of body.querySelectorAll(".ylab-blade")) b.setAttribute("transform", `rotate(${spinAngle})`);
  }

  // -- animation ---------------------------------------------------------------------------------
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function startNext() {
    if (playing || !queue.length) return;
    const msg = queue.shift();
    const frames = msg.frames || [];
    if (!frames.length) { finish(msg.id); return; }
    const t0 = frames[0][0], t1 = frames[frames.length - 1][0];
    let duration = (t1 - t0) / (model.get("speedup") || 3);
    duration = Math.min(Math.max(duration, 0.25), MAX_PLAY_S) / (queue.length ? 2 : 1);
    if (reduced) duration = 0.2;
    playing = { msg, frames, t0, span: Math.max(t1 - t0, 1e-6), duration, start: performance.now() };
    trailPts = [[frames[0][1], frames[0][2]]];
    box.dataset.playing = "1";
    requestAnimationFrame(step);
  }
  function step(now) {
    const p = playing;
    if (!p) return;
    const k = Math.min(1, (now - p.start) / 1000 / p.duration);
    const tt = p.t0 + k * p.span;
    let i = 0;
    while (i + 1 < p.frames.length - 1 && p.frames[i + 1][0] < tt) i++;
    const a = p.frames[i], b = p.frames[Math.min(i + 1, p.frames.length - 1)];
    const f = b[0] > a[0] ? Math.min(1, Math.max(0, (tt - a[0]) / (b[0] - a[0]))) : 1;
    const x = a[1] + (b[1] - a[1]) * f, y = a[2] + (b[2] - a[2]) * f, z = a[3] + (b[3] - a[3]) * f;
    let heading;
    if (a[4] !== null && a[4] !== undefined && b[4] !== null && b[4] !== undefined) {
      let d = ((b[4] - a[4] + 540) % 360) - 180;
      heading = a[4] + d * f;
    } else if (pose && Math.hypot(x - pose.x, y - pose.y) > 0.5) {
      heading = Math.atan2(-(y - pose.y), x - pose.x) * 180 / Math.PI;  // east of north, clockwise
    } else {
      heading = lastHeading;
    }
    lastHeading = heading;
    trailPts.push([x, y]);
    trail.setAttribute("points", pts(trailPts));
    trail.setAttribute("stroke-width", 4 * unit);
    showPose({ x, y, z, heading });
    spin(z > 3);
    if (k < 1) { requestAnimationFrame(step); return; }
    const done = p.msg.id;
    playing = null;
    finish(done);
  }
  function finish(id) {
    box.dataset.played = String(id);
    box.dataset.playing = queue.length ? "1" : "0";
    trail.setAttribute("points", "");
    model.send({ type: "played", id });
    if (queue.length) startNext(); else rest();
  }
  function rest() {
    const d = model.get("drone") || {};
    lastHeading = d.heading || 0;
    showPose({ x: d.x || 0, y: d.y || 0, z: d.z || 0, heading: d.heading || 0 });
  }
  let idleSpin = null;
  function idle() {  // blades turn while the drone hovers
    if (idleSpin) return;
    idleSpin = setInterval(() => { if (!playing) spin((model.get("drone") || {}).flying); }, 80);
  }

  // -- taps and keys -------------------------------------------------------------------------------
  function mapPoint(clientX, clientY) {
    const m = svg.getScreenCTM();
    if (!m) return null;
    const pt = svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    const q = pt.matrixTransform(m.inverse());
    return [-q.y, -q.x];
  }
  function tap(p) {
    const w = model.get("world") || {};
    if (!p || !model.get("tappable")) return;
    if (p[0] < w.x_min || p[0] > w.x_max || p[1] < w.y_min || p[1] > w.y_max) return;
    model.send({ type: "tap", x: p[0], y: p[1] });
  }
  box.addEventListener("pointerup", (e) => {
    if (!model.get("tappable") || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    tap(mapPoint(e.clientX, e.clientY));
  });
  box.addEventListener("keydown", (e) => {
    if (!model.get("tappable")) return;
    const w = model.get("world") || {};
    if (!cursor) cursor = [(w.x_min + w.x_max) / 2, (w.y_min + w.y_max) / 2];
    const moves = { ArrowUp: [KEY_STEP_CM, 0], ArrowDown: [-KEY_STEP_CM, 0],
                    ArrowLeft: [0, KEY_STEP_CM], ArrowRight: [0, -KEY_STEP_CM] };
    if (moves[e.key]) {
      cursor = [Math.min(w.x_max, Math.max(w.x_min, cursor[0] + moves[e.key][0])),
                Math.min(w.y_max, Math.max(w.y_min, cursor[1] + moves[e.key][1]))];
    } else if (e.key === "Enter" || e.key === " ") {
      tap(cursor);
    } else {
      return;
    }
    e.preventDefault();
    drawCursor();
  });
  box.addEventListener("blur", () => { cursor = null; drawCursor(); });
  function drawCursor() {
    cursorLayer.replaceChildren();
    if (!cursor) return;
    node("circle", { cx: X(cursor), cy: Y(cursor), r: 20 * unit, fill: "none", stroke: "#000000",
                     "stroke-width": 4 * unit }, cursorLayer);
  }

  // -- accessibility: the map is one labelled control while it takes taps -----------------------
  function setRole() {
    const tappable = model.get("tappable");
    box.setAttribute("role", tappable ? "application" : "img");
    box.setAttribute("aria-label", model.get("label") || "");
    if (tappable) box.tabIndex = 0; else box.removeAttribute("tabindex");
    box.style.cursor = tappable ? "crosshair" : "default";
  }

  model.on("msg:custom", (msg) => {
    if (!msg || msg.type !== "play") return;
    queue.push(msg);
    startNext();
  });
  model.on("change:world", () => { drawWorld(); buildDrone(); drawPlan(); rest(); });
  model.on("change:stops", drawPlan);
  model.on("change:bad_legs", drawPlan);
  model.on("change:tracks", drawFlown);
  model.on("change:drops", drawFlown);
  model.on("change:drone", () => { if (!playing && !queue.length) rest(); });
  model.on("change:tappable", setRole);
  model.on("change:label", setRole);
  drawWorld(); buildDrone(); drawPlan(); drawFlown(); setRole(); rest(); idle();
  box.dataset.ready = "1";
  return () => { if (idleSpin) clearInterval(idleSpin); };
}

export default { render };
