// The browser end of a streamed hall game (youthlab/games/stream.py): shows the JPEG
// frames the kernel sends and sends the visitor's keys and touches back. No CDN, no build.
const KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", " ", "Enter", "Escape",
                      "Backspace", "F2"]);

function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "ylab-game-screen";
  img.alt = model.get("label") || model.get("title");
  img.draggable = false;
  img.tabIndex = 0;
  const fill = model.get("fill");  // a kiosk stage's scene: fill it, the frame's shape kept
  img.style.cssText = (fill ? "width:100%;height:100%;" : "width:100%;max-width:100vw;max-height:100vh;") +
                      "object-fit:contain;touch-action:none;user-select:none;display:block;background:#000;outline:none";
  el.classList.add("ylab-game");
  if (fill) el.style.cssText = "width:100%;height:100%;min-width:0;min-height:0;background:#000";
  let shownUrl = null, frames = 0, first = 0, inputSeq = 0;
  const poster = model.get("poster");  // the first frame, on screen before the stream starts
  if (poster && poster.byteLength) {
    shownUrl = URL.createObjectURL(new Blob([poster], { type: "image/jpeg" }));
    img.src = shownUrl;
  }
  el.appendChild(img);
  const sentAt = new Map();
  const stats = { fps: 0, latency_ms: [] };

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type !== "frame") return;
    const url = URL.createObjectURL(new Blob([buffers[0]], { type: "image/jpeg" }));
    img.src = url;
    img.decode().catch(() => {}).then(() => {
      const now = performance.now();
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = url;
      frames += 1;
      if (!first) first = now;
      if (frames > 1) stats.fps = (frames - 1) * 1000 / (now - first);
      for (const [seq, t] of sentAt) {
        if (seq <= msg.ack) {
          stats.latency_ms.push(now - t);
          sentAt.delete(seq);
        }
      }
      el.dataset.frames = String(frames);
      el.dataset.fps = stats.fps.toFixed(1);
      el.dataset.state = msg.state;
      if (stats.latency_ms.length) el.dataset.latency = JSON.stringify(stats.latency_ms.slice(-50));
      model.send({ type: "shown", seq: msg.seq });
    });
  });

  function send(ev) {
    inputSeq += 1;
    ev.seq = inputSeq;
    sentAt.set(inputSeq, performance.now());
    model.send(ev);
  }
  function onKey(down) {
    return (e) => {
      const k = e.key;
      if (!(KEYS.has(k) || /^[a-zA-Z0-9]$/.test(k))) return;
      e.preventDefault();
      if (e.repeat) return;
      send({ type: "key", key: k, down });
    };
  }
  const keydown = onKey(true), keyup = onKey(false);
  window.addEventListener("keydown", keydown);
  window.addEventListener("keyup", keyup);
  function at(e) {
    const r = img.getBoundingClientRect();
    return [Math.round((e.clientX - r.left) / r.width * model.get("width")),
            Math.round((e.clientY - r.top) / r.height * model.get("height"))];
  }
  let pressed = false;
  img.addEventListener("pointerdown", (e) => {
    pressed = true;
    img.setPointerCapture(e.pointerId);
    img.focus();
    send({ type: "pointer", kind: "down", pos: at(e) });
  });
  img.addEventListener("pointermove", (e) => {
    if (pressed) send({ type: "pointer", kind: "move", pos: at(e) });
  });
  const up = (e) => {
    if (!pressed) return;
    pressed = false;
    send({ type: "pointer", kind: "up", pos: at(e) });
  };
  img.addEventListener("pointerup", up);
  img.addEventListener("pointercancel", up);
  model.send({ type: "ready" });
  return () => {
    window.removeEventListener("keydown", keydown);
    window.removeEventListener("keyup", keyup);
    if (shownUrl) URL.revokeObjectURL(shownUrl);
  };
}

export default { render };
