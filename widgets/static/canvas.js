// Topology canvas: five tier lanes (far edge at the bottom), nodes, links and stage chips.
// Draws from the model's traits and only *requests* changes (drop_request, click, add_request,
// connect_request, move, delete_request); Python decides and sends back what to draw.
const NS = "http://www.w3.org/2000/svg";
const LANE_H = 100;
const GUTTER = 200;
const MIN_SLOT = 34;
const TOP = 4;
const LEVELS = 5;

function svgEl(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function htmlEl(tag, cls, parent, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function tint(hex, amount) {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${rgb.map((c) => Math.round(c + (255 - c) * amount)).join(",")})`;
}

function laneTop(level) {
  return (LEVELS - level) * LANE_H + TOP;
}

function laneMid(level) {
  return laneTop(level) + LANE_H * 0.56;
}

function nodeRadius(count) {
  return count > 1 ? 15 + Math.min(9, 3 * Math.log10(count)) : 13;
}

function render({ model, el }) {
  const root = htmlEl("div", "etw-canvas", el);
  root.tabIndex = 0;
  const bar = htmlEl("div", "etw-bar", root);
  const palette = htmlEl("div", "etw-palette", bar, "+ node");
  palette.title = "drag into a lane to add a node there";
  const mode = htmlEl("span", "etw-mode", bar);
  const hint = htmlEl("span", "etw-hint", bar);
  const toast = htmlEl("div", "etw-toast", root);
  const body = htmlEl("div", "etw-body", root);
  const gutter = svgEl("svg", { class: "etw-gutter", width: GUTTER }, body);
  const scroller = htmlEl("div", "etw-scroller", body);
  const svg = svgEl("svg", { class: "etw-svg topo-canvas" }, scroller);
  const height = LEVELS * LANE_H + TOP * 2;
  gutter.setAttribute("height", height);
  svg.setAttribute("height", height);

  let seq = 0;
  let geo = { pos: new Map(), slotW: 100, minX: 0, width: 800, levelOf: new Map() };
  let drag = null;

  function send(name, payload) {
    seq += 1;
    model.set(name, { ...payload, seq: Date.now() * 1000 + seq });
    model.save_changes();
  }

  function toSvg(e) {
    const r = svg.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  function nodeAt(e) {
    const hit = document.elementFromPoint(e.clientX, e.clientY);
    const g = hit && hit.closest ? hit.closest("g.etw-node") : null;
    return g ? g.getAttribute("data-node") : null;
  }

  function slotOf(px) {
    return Math.round(((px - 0) / geo.slotW - 0.5 + geo.minX) * 100) / 100;
  }

  function drawGutter(lanes) {
    gutter.replaceChildren();
    for (const lane of lanes) {
      const y = laneTop(lane.level);
      svgEl("rect", { x: 0, y, width: GUTTER, height: LANE_H, fill: tint(lane.colour, 0.72) }, gutter);
      svgEl("rect", { x: 0, y, width: 6, height: LANE_H, fill: lane.colour }, gutter);
      const name = svgEl("text", { x: 14, y: y + 30, class: "etw-lane-name" }, gutter);
      name.textContent = `${lane.level} · ${lane.name}`;
      const analogue = svgEl("text", { x: 14, y: y + 50, class: "etw-lane-analogue" }, gutter);
      analogue.textContent = lane.analogue.length > 30 ? lane.analogue.slice(0, 29) + "…" : lane.analogue;
      const title = svgEl("title", {}, analogue);
      title.textContent = lane.analogue;
      gutter.setAttribute("data-lanes", lanes.length);
    }
  }

  function draw() {
    const lanes = model.get("lanes");
    const nodes = model.get("nodes");
    const links = model.get("links");
    const chips = model.get("chips");
    const loads = model.get("loads") || {};
    const failed = new Set(model.get("failed"));
    const selected = model.get("selected") || {};
    const running = model.get("mode") === "run";
    root.classList.toggle("etw-running", running);
    mode.textContent = running ? "RUN" : "EDIT";
    hint.textContent = running
      ? "click a link or node to fail it, click again to restore it"
      : "drag a chip to re-place a stage · drag a node to move it · drag from its ○ to link · click to edit · Del deletes";
    drawGutter(lanes);
    const levelOf = new Map(lanes.map((l) => [l.tier, l.level]));
    const xs = nodes.map((n) => n.x);
    const minX = xs.length ? Math.min(...xs) : 0;
    const maxX = xs.length ? Math.max(...xs) : 0;
    const slots = maxX - minX + 1;
    const avail = Math.max(320, (scroller.clientWidth || 900) - 2);
    const width = Math.max(avail, slots * MIN_SLOT);
    const slotW = width / slots;
    geo = { pos: new Map(), slotW, minX, width, levelOf };
    svg.setAttribute("width", width);
    svg.replaceChildren();
    for (const lane of lanes) {
      svgEl("rect", {
        x: 0, y: laneTop(lane.level), width, height: LANE_H,
        fill: tint(lane.colour, 0.85), class: "etw-lane", "data-tier": lane.tier,
      }, svg);
    }
    const perLane = new Map();
    for (const n of nodes) perLane.set(n.tier, (perLane.get(n.tier) || 0) + 1);
    for (const n of nodes) {
      const level = levelOf.get(n.tier) || 1;
      geo.pos.set(n.id, { x: (n.x - minX + 0.5) * slotW, y: laneMid(level), r: nodeRadius(n.count || 1) });
    }
    // links
    const linkLayer = svgEl("g", { class: "etw-links" }, svg);
    for (const l of links) {
      const a = geo.pos.get(l.a);
      const b = geo.pos.get(l.b);
      if (!a || !b) continue;
      const cls = ["etw-link"];
      if (failed.has(l.id)) cls.push("etw-failed");
      if (selected.kind === "link" && selected.id === l.id) cls.push("etw-selected");
      const g = svgEl("g", { class: cls.join(" "), "data-link": l.id }, linkLayer);
      svgEl("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "etw-link-hit" }, g);
      svgEl("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "etw-link-line" }, g);
      svgEl("title", {}, g).textContent = l.title || l.id;
    }
    // nodes
    const nodeLayer = svgEl("g", { class: "etw-nodes" }, svg);
    const dense = slotW < 70;
    for (const n of nodes) {
      const p = geo.pos.get(n.id);
      const lane = lanes.find((l) => l.tier === n.tier);
      const cls = ["etw-node"];
      if (failed.has(n.id)) cls.push("etw-failed");
      if (selected.kind === "node" && selected.id === n.id) cls.push("etw-selected");
      const load = loads[n.id];
      if (load !== undefined && load >= 1) cls.push("etw-overloaded");
      const g = svgEl("g", {
        class: cls.join(" "), "data-node": n.id, transform: `translate(${p.x},${p.y})`,
      }, nodeLayer);
      svgEl("circle", { r: p.r, fill: lane ? lane.colour : "#888", class: "etw-node-disc" }, g);
      if ((n.count || 1) > 1) {
        svgEl("text", { y: 4, class: "etw-count" }, g).textContent = `×${n.count}`;
      }
      if (!dense || (perLane.get(n.tier) || 0) <= 24) {
        const label = svgEl("text", { y: p.r + 13, class: "etw-node-label" }, g);
        const max = Math.max(4, Math.floor(slotW / 7));
        label.textContent = n.label.length > max ? n.label.slice(0, max - 1) + "…" : n.label;
      }
      if (load !== undefined) {
        const w = 2 * p.r;
        svgEl("rect", { x: -p.r, y: p.r + 17, width: w, height: 3, class: "etw-load-bg" }, g);
        svgEl("rect", {
          x: -p.r, y: p.r + 17, width: Math.max(1, w * Math.min(1, load)), height: 3,
          class: load >= 1 ? "etw-load etw-load-over" : "etw-load",
        }, g);
      }
      if (!running) svgEl("circle", { cx: p.r * 0.8, cy: -p.r * 0.8, r: 5, class: "etw-handle" }, g);
      const busy = load !== undefined ? ` · compute ${(100 * load).toFixed(load < 0.1 ? 1 : 0)} % busy (est.)` : "";
      svgEl("title", {}, g).textContent = (n.title || n.id) + busy + (failed.has(n.id) ? " · FAILED" : "");
    }
    // chips, stacked to the right of their node
    const chipLayer = svgEl("g", { class: "etw-chips" }, svg);
    const byNode = new Map();
    for (const c of chips) {
      if (!byNode.has(c.node)) byNode.set(c.node, []);
      byNode.get(c.node).push(c);
    }
    for (const [nodeId, list] of byNode) {
      const p = geo.pos.get(nodeId);
      if (!p) continue;
      const compact = slotW < 90;
      const full = slotW >= 160;
      list.forEach((c, i) => {
        const room = slotW / 2 - p.r - 4;
        const text = full && 9 + c.key.length * 6.4 <= room ? c.key : c.stage;
        const w = compact ? 10 : Math.min(room, 9 + text.length * 6.4);
        const h = compact ? 10 : 15;
        let x;
        let y;
        if (compact) {
          // a row of small squares above the node: narrow slots have no room beside it
          x = p.x - (list.length * (w + 3)) / 2 + i * (w + 3);
          y = p.y - p.r - h - 4;
        } else {
          const rows = 4;
          const n = Math.min(list.length, rows);
          x = p.x + p.r + 5 + Math.floor(i / rows) * (w + 3);
          y = p.y - (n * (h + 2)) / 2 + (i % rows) * (h + 2);
        }
        const cls = ["etw-chip"];
        if (!c.ok) cls.push("etw-chip-slo");
        const g = svgEl("g", {
          class: cls.join(" "), "data-chip": c.key, "data-host": c.node,
          transform: `translate(${x},${y})`,
        }, chipLayer);
        svgEl("rect", { width: w, height: h, rx: compact ? 2 : 4, fill: c.colour, class: "etw-chip-box" }, g);
        if (!compact) {
          const t = svgEl("text", { x: 5, y: 11, class: "etw-chip-text" }, g);
          const max = Math.max(2, Math.floor((w - 8) / 6.4));
          t.textContent = text.length > max ? text.slice(0, max - 1) + "…" : text;
        }
        svgEl("title", {}, g).textContent = c.title || c.key;
        g.__home = { x, y };
      });
    }
  }

  function showMessage() {
    const m = model.get("message") || {};
    if (!m.text) return;
    toast.textContent = m.text;
    toast.className = `etw-toast etw-toast-${m.level} etw-toast-show`;
    clearTimeout(toast.__timer);
    toast.__timer = setTimeout(() => toast.classList.remove("etw-toast-show"), 15000);
  }

  // ------------------------------------------------------------------ pointer handling
  svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    const target = e.target;
    const chip = target.closest("g.etw-chip");
    const handle = target.closest("circle.etw-handle");
    const node = target.closest("g.etw-node");
    const link = target.closest("g.etw-link");
    const start = toSvg(e);
    if (chip) {
      drag = { kind: "chip", g: chip, id: chip.getAttribute("data-chip"), start, home: chip.__home };
      chip.classList.add("etw-dragging");
    } else if (handle && node) {
      const id = node.getAttribute("data-node");
      const p = geo.pos.get(id);
      const line = svgEl("line", { x1: p.x, y1: p.y, x2: p.x, y2: p.y, class: "etw-connecting" }, svg);
      drag = { kind: "connect", id, line, start };
    } else if (node) {
      drag = { kind: "node", g: node, id: node.getAttribute("data-node"), start, moved: false };
    } else if (link) {
      drag = { kind: "link", id: link.getAttribute("data-link"), start, moved: false };
    } else {
      return;
    }
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
    root.focus({ preventScroll: true });
  });

  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const p = toSvg(e);
    const dx = p.x - drag.start.x;
    const dy = p.y - drag.start.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
    if (drag.kind === "chip") {
      drag.g.setAttribute("transform", `translate(${drag.home.x + dx},${drag.home.y + dy})`);
      const over = nodeAt(e);
      svg.querySelectorAll("g.etw-node.etw-target").forEach((g) => g.classList.remove("etw-target"));
      if (over) svg.querySelector(`g.etw-node[data-node="${CSS.escape(over)}"]`)?.classList.add("etw-target");
    } else if (drag.kind === "connect") {
      drag.line.setAttribute("x2", p.x);
      drag.line.setAttribute("y2", p.y);
    } else if (drag.kind === "node" && drag.moved && model.get("mode") === "edit") {
      const home = geo.pos.get(drag.id);
      drag.g.setAttribute("transform", `translate(${home.x + dx},${home.y})`);
    }
  });

  function finish(e) {
    if (!drag) return;
    const d = drag;
    drag = null;
    const p = toSvg(e);
    if (d.kind === "chip") {
      const target = nodeAt(e);
      if (target && target !== d.g.getAttribute("data-host")) {
        send("drop_request", { chip: d.id, node: target });
      }
    } else if (d.kind === "connect") {
      const target = nodeAt(e);
      if (target && target !== d.id) send("connect_request", { a: d.id, b: target });
    } else if (d.kind === "node") {
      if (d.moved && model.get("mode") === "edit") {
        const home = geo.pos.get(d.id);
        send("move", { id: d.id, x: slotOf(home.x + (p.x - d.start.x)) });
      } else if (!d.moved) {
        send("click", { kind: "node", id: d.id });
      }
    } else if (d.kind === "link" && !d.moved) {
      send("click", { kind: "link", id: d.id });
    }
    draw(); // snap back; Python's answer redraws what changed
  }
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", () => {
    drag = null;
    draw();
  });

  // palette: drag "+ node" into a lane
  palette.addEventListener("pointerdown", (e) => {
    if (model.get("mode") !== "edit") return;
    e.preventDefault();
    const ghost = htmlEl("div", "etw-ghost", document.body, "+ node");
    const follow = (ev) => {
      ghost.style.left = `${ev.clientX + 6}px`;
      ghost.style.top = `${ev.clientY + 6}px`;
    };
    follow(e);
    const up = (ev) => {
      window.removeEventListener("pointermove", follow);
      window.removeEventListener("pointerup", up);
      ghost.remove();
      const r = svg.getBoundingClientRect();
      if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) return;
      const p = toSvg(ev);
      const level = LEVELS - Math.floor((p.y - TOP) / LANE_H);
      const lane = model.get("lanes").find((l) => l.level === level);
      if (lane) send("add_request", { tier: lane.tier, x: slotOf(p.x) });
    };
    window.addEventListener("pointermove", follow);
    window.addEventListener("pointerup", up);
  });

  root.addEventListener("keydown", (e) => {
    const sel = model.get("selected") || {};
    if ((e.key === "Delete" || e.key === "Backspace") && sel.id && model.get("mode") === "edit") {
      e.preventDefault();
      e.stopPropagation(); // keep JupyterLab from acting on the key
      send("delete_request", { kind: sel.kind, id: sel.id });
    }
  });

  const events = "change:lanes change:nodes change:links change:chips change:loads change:failed change:selected change:mode";
  model.on(events, draw);
  model.on("change:message", showMessage);
  let lastWidth = 0;
  const resize = new ResizeObserver(() => {
    if (Math.abs(scroller.clientWidth - lastWidth) > 2) {
      lastWidth = scroller.clientWidth;
      draw();
    }
  });
  resize.observe(scroller);
  draw();
  showMessage();
  return () => {
    model.off(events, draw);
    model.off("change:message", showMessage);
    resize.disconnect();
  };
}

export default { render };
