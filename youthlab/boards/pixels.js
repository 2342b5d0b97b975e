// The virtual board's NeoPixel strips as coloured circles (no network: rendered from the model).
function draw(model, el) {
  const strips = model.get("strips") || [];
  const size = model.get("size") || 40;
  el.replaceChildren();
  const box = document.createElement("div");
  box.className = "ylab-pixels";
  box.style.cssText = "font-family:sans-serif;font-size:18px;display:flex;flex-wrap:wrap;gap:24px;";
  const notice = model.get("notice");
  if (notice || !strips.length) {
    const p = document.createElement("div");
    p.className = notice ? "ylab-pixels-notice" : "ylab-pixels-waiting";
    p.style.cssText = "padding:12px 16px;border-radius:8px;background:#fff4d6;color:#4a3b00;max-width:40em;";
    p.textContent = notice || model.get("waiting");
    box.appendChild(p);
  }
  for (const strip of strips) {
    const fig = document.createElement("figure");
    fig.style.cssText = "margin:0;text-align:center;";
    const colors = strip.colors || [];
    const n = colors.length;
    const ring = strip.shape === "ring";
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    const r = size / 2, gap = size / 4;
    let w, h, pos;
    if (ring) {
      const R = Math.max(size, (n * (size + gap)) / (2 * Math.PI));
      w = h = 2 * (R + r + 4);
      pos = (i) => [w / 2 + R * Math.sin((2 * Math.PI * i) / n), h / 2 - R * Math.cos((2 * Math.PI * i) / n)];
    } else {
      const perRow = Math.min(n, 16) || 1;
      w = perRow * (size + gap) + gap;
      h = Math.ceil(n / perRow) * (size + gap) + gap;
      pos = (i) => [gap + r + (i % perRow) * (size + gap), gap + r + Math.floor(i / perRow) * (size + gap)];
    }
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", strip.label);
    const bg = document.createElementNS(svgNS, "rect");
    bg.setAttribute("width", w); bg.setAttribute("height", h); bg.setAttribute("rx", 12);
    bg.setAttribute("fill", "#1e1e24");
    svg.appendChild(bg);
    colors.forEach((c, i) => {
      const [x, y] = pos(i);
      const dot = document.createElementNS(svgNS, "circle");
      dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", r);
      dot.setAttribute("fill", c);
      dot.setAttribute("stroke", "#888");
      dot.setAttribute("data-index", i);
      const title = document.createElementNS(svgNS, "title");
      title.textContent = `${i}: ${c}`;
      dot.appendChild(title);
      svg.appendChild(dot);
    });
    const cap = document.createElement("figcaption");
    cap.textContent = strip.label;
    fig.append(svg, cap);
    box.appendChild(fig);
  }
  el.appendChild(box);
}

export default {
  render({ model, el }) {
    const redraw = () => draw(model, el);
    model.on("change:strips", redraw);
    model.on("change:size", redraw);
    model.on("change:notice", redraw);
    redraw();
    return () => {
      model.off("change:strips", redraw);
      model.off("change:size", redraw);
      model.off("change:notice", redraw);
    };
  },
};
