// Topology canvas: five tier lanes (far edge at the bottom), nodes, links and stage chips.
// Draws from the model's traits and only *requests* changes (drop_request, click, add_request,
// connect_request, move, delete_request, undo_request); Python decides and sends back what to
// draw. Labels are placed where no line, chip or other label is: node labels try the left of
// their node first (chips sit on the right), then below, above; link labels sit beside their
// line where there is room and are left out (still in the hover text) where there is none.
const NS = "http://www.w3.org/2000/svg";
const LANE_H = 100;
const GUTTER = 200;
const MIN_SLOT = 34;
const TOP = 4;
const LEVELS = 5;
const LABEL_CHAR = 6.3; // px per character of an 11 px label (estimate, before measuring)
const LINK_CHAR = 5.6; // px per character of a 10 px link label
const BAR_W = 40;
const BAR_H = 8;

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

// ---------------------------------------------------------------------- geometry of labels
function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function segmentHitsRect(s, r, pad) {
  // Liang-Barsky clipping of segment s (x1,y1)-(x2,y2) against r grown by pad
  const x0 = r.x - pad, x1 = r.x + r.w + pad, y0 = r.y - pad, y1 = r.y + r.h + pad;
  const dx = s.x2 - s.x1, dy = s.y2 - s.y1;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, s.x1 - x0], [dx, x1 - s.x1], [-dy, s.y1 - y0], [dy, y1 - s.y1]]) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) { if (t > t1) return false; if (t > t0) t0 = t; }
      else { if (t < t0) return false; if (t < t1) t1 = t; }
    }
  }
  return true;
}

function isFree(rect, segments, boxes, width) {
  if (rect.x < 0 || rect.x + rect.w > width) return false;
  if (segments.some((s) => segmentHitsRect(s, rect, 2))) return false;
  return !boxes.some((b) => overlaps(rect, b));
}

function render({ model, el }) {
  const root = htmlEl("div", "etw-canvas", el);
  root.tabIndex = 0;
  const bar = htmlEl("div", "etw-bar", root);
  const palette = htmlEl("button", "etw-palette", bar, "+ node");
  palette.type = "button";
  palette.title = "click to choose a tier for a new node, or drag into a lane to add it there";
  const undo = htmlEl("button", "etw-undo", bar, "↶ Undo");
  undo.type = "button";
  const mode = htmlEl("span", "etw-mode", bar);
  const hint = htmlEl("span", "etw-hint", bar);
  const menu = htmlEl("div", "etw-tier-menu", root);
  const legend = htmlEl("div", "etw-legend", root);
  const banner = htmlEl("div", "etw-banner", root);
  const toast = htmlEl("div", "etw-toast", banner);
  const logToggle = htmlEl("button", "etw-log-toggle", banner);
  logToggle.type = "button";
  const logBox = htmlEl("div", "etw-log", root);
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
  let logOpen = false;

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

  function markTarget(id) {
    svg.querySelectorAll("g.etw-node.etw-target").forEach((g) => g.classList.remove("etw-target"));
    if (id) svg.querySelector(`g.etw-node[data-node="${CSS.escape(id)}"]`)?.classList.add("etw-target");
  }

  const widths = new Map();
  function textWidth(text, cls, perChar) {
    // the rendered width where the page can measure it (fonts differ), else an estimate
    const key = `${cls}|${text}`;
    if (!widths.has(key)) {
      const probe = svgEl("text", { x: 0, y: -50, class: cls }, svg);
      probe.textContent = text;
      const measured = probe.getComputedTextLength ? probe.getComputedTextLength() : 0;
      probe.remove();
      if (measured > 0) widths.set(key, measured + 2);
      else return text.length * perChar;
    }
    return widths.get(key);
  }

  function slotOf(px) {
    return Math.round((px / geo.slotW - 0.5 + geo.minX) * 100) / 100;
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

  function drawLegend() {
    const entries = model.get("legend") || [];
    const chips = model.get("chips") || [];
    legend.replaceChildren();
    htmlEl("span", "etw-legend-title", legend, "workloads:");
    for (const entry of entries) {
      const key = htmlEl("span", "etw-key", legend);
      key.setAttribute("data-workload", entry.workload);
      key.title = entry.title || entry.workload;
      const swatch = htmlEl("span", "etw-swatch", key);
      swatch.style.background = entry.colour;
      htmlEl("span", "", key, entry.workload);
    }
    if (chips.some((c) => !c.ok)) {
      const key = htmlEl("span", "etw-key etw-key-slo", legend);
      htmlEl("span", "etw-swatch etw-swatch-slo", key);
      htmlEl("span", "", key, "misses its SLO (est.)");
    }
    drawVersionKey();
  }

  function drawVersionKey() {
    // model versions (issue 11): the colour of the ring round each node that serves one
    const entries = model.get("version_key") || [];
    if (!entries.length) return;
    htmlEl("span", "etw-legend-title etw-version-title", legend, "model versions (ring):");
    for (const entry of entries) {
      const key = htmlEl("span", "etw-key etw-version-key", legend);
      key.setAttribute("data-version", entry.version);
      key.title = entry.title || entry.version;
      const swatch = htmlEl("span", "etw-swatch etw-swatch-ring", key);
      swatch.style.borderColor = entry.colour;
      htmlEl("span", "", key, entry.version);
    }
  }

  function chipBoxes(chips, slotW) {
    // where each chip goes: stacked right of its node, or a row of squares above a narrow one
    const byNode = new Map();
    for (const c of chips) {
      if (!byNode.has(c.node)) byNode.set(c.node, []);
      byNode.get(c.node).push(c);
    }
    const out = [];
    const compact = slotW < 90;
    const full = slotW >= 160;
    for (const [nodeId, list] of byNode) {
      const p = geo.pos.get(nodeId);
      if (!p) continue;
      list.forEach((c, i) => {
        const room = slotW / 2 - p.r - 4;
        const short = c.label || c.stage;
        const text = full && 9 + c.key.length * 6.4 <= room ? c.key : short;
        // a short label is never cut while a slot has room for it (labels make way for chips)
        const w = compact ? 10 : Math.min(Math.max(30, slotW - p.r - 12), 9 + text.length * 6.4);
        const h = compact ? 10 : 15;
        let x;
        let y;
        if (compact) {
          x = p.x - (list.length * (w + 3)) / 2 + i * (w + 3);
          y = p.y - p.r - h - 4;
        } else {
          const rows = 4;
          const n = Math.min(list.length, rows);
          x = p.x + p.r + 5 + Math.floor(i / rows) * (w + 3);
          y = p.y - (n * (h + 2)) / 2 + (i % rows) * (h + 2);
        }
        out.push({ chip: c, x, y, w, h, text, compact });
      });
    }
    return out;
  }

  function placeNodeLabel(n, p, textW, hasBar, segments, boxes, width) {
    // the label (and the load bar under it) as one block; the first free spot wins
    const w = Math.max(textW, hasBar ? BAR_W : 0);
    const h = (textW ? 13 : 0) + (hasBar ? BAR_H + 3 : 0);
    const candidates = [
      { x: p.x - p.r - 6 - w, y: p.y - h / 2, anchor: "end" }, // left
      { x: p.x - w / 2, y: p.y + p.r + 3, anchor: "middle" }, // below
      { x: p.x - w / 2, y: p.y - p.r - 3 - h, anchor: "middle" }, // above
      { x: p.x - p.r - 6 - w, y: p.y + p.r - 4, anchor: "end" }, // below left
      { x: p.x + p.r + 6, y: p.y + p.r, anchor: "start" }, // below right
    ];
    for (const c of candidates) {
      const rect = { x: c.x, y: c.y, w, h };
      if (isFree(rect, segments, boxes, width)) return { ...rect, anchor: c.anchor, free: true };
    }
    return { ...candidates[1], w, h, free: false };
  }

  function placeLinkLabel(a, b, textW, segments, boxes, width) {
    // beside the line near its middle, clear of every line (its own too), node, chip, label
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy);
    const h = 12;
    if (length - a.r - b.r < (Math.abs(dy) > Math.abs(dx) ? h + 6 : textW + 8)) return null;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const mx = a.x + dx * t;
      const my = a.y + dy * t;
      const spots = [
        { x: mx + 6, y: my - h / 2 }, // right of it
        { x: mx - 6 - textW, y: my - h / 2 }, // left of it
        { x: mx - textW / 2, y: my - h - 4 }, // above it
        { x: mx - textW / 2, y: my + 4 }, // below it
        { x: mx + 6, y: my - h - 4 }, // above right
        { x: mx - 6 - textW, y: my + 4 }, // below left
        { x: mx - 6 - textW, y: my - h - 4 }, // above left
        { x: mx + 6, y: my + 4 }, // below right
      ];
      for (const s of spots) {
        const rect = { x: s.x, y: s.y, w: textW, h };
        if (isFree(rect, segments, boxes, width)) return rect;
      }
    }
    return null;
  }

  function draw() {
    const lanes = model.get("lanes");
    const nodes = model.get("nodes");
    const links = model.get("links");
    const chips = model.get("chips");
    const loads = model.get("loads") || {};
    const failed = new Set(model.get("failed"));
    const selected = model.get("selected") || {};
    const versions = model.get("versions") || {};
    const running = model.get("mode") === "run";
    root.classList.toggle("etw-running", running);
    mode.textContent = running ? "RUN" : "EDIT";
    hint.textContent = running
      ? "click a link or node to fail it, click again to restore it"
      : "drag a chip to re-place a stage · drag a node onto another to link them · click to select, Del deletes";
    const canUndo = model.get("can_undo") || "";
    undo.disabled = running || !canUndo;
    undo.title = canUndo ? `undo ${canUndo} (Ctrl+Z)` : "nothing to undo";
    palette.disabled = running;
    drawGutter(lanes);
    drawLegend();
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
    // what labels must keep clear of: lines, node discs, chips
    const segments = [];
    for (const l of links) {
      const a = geo.pos.get(l.a);
      const b = geo.pos.get(l.b);
      if (a && b) segments.push({ x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    }
    const boxes = [];
    for (const p of geo.pos.values()) boxes.push({ x: p.x - p.r - 2, y: p.y - p.r - 2, w: 2 * p.r + 4, h: 2 * p.r + 4 });
    const chipPlaces = chipBoxes(chips, slotW);
    for (const c of chipPlaces) boxes.push({ x: c.x, y: c.y, w: c.w, h: c.h });
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
    // nodes, each with its label and load bar where no line or chip is; the label sits in its
    // own layer so that a node's element is just its disc (its centre is the disc's centre)
    const nodeLayer = svgEl("g", { class: "etw-nodes" }, svg);
    const tagLayer = svgEl("g", { class: "etw-node-tags" }, svg);
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
      const version = versions[n.id];
      if (version) {
        // a white gap, then the version's ring: readable on a disc of any tier colour
        svgEl("circle", { r: p.r + 1.5, fill: "none", stroke: "#fff", "stroke-width": 2, class: "etw-version-gap" }, g);
        const ring = svgEl("circle", {
          r: p.r + 4.5, fill: "none", stroke: version.colour, "stroke-width": 3.5,
          class: "etw-version-ring", "data-version": version.version,
        }, g);
        svgEl("title", {}, ring).textContent = `${n.id} serves ${version.title || version.version}`;
        const split = version.split;
        if (split) {  // a canary or an A/B test: the candidate's share as a dashed outer ring
          const outer = svgEl("circle", {
            r: p.r + 9, fill: "none", stroke: split.colour, "stroke-width": 3,
            "stroke-dasharray": "4 3", class: "etw-version-ring etw-version-split",
            "data-version": split.version, "data-share": split.share,
          }, g);
          svgEl("title", {}, outer).textContent =
            `${n.id}: ${split.version} serves ${(100 * split.share).toFixed(0)} % of the requests (canary / A-B)`;
        }
      }
      const tenants = n.tenants || [];
      tenants.forEach((b, i) => {
        // tenants: the owner's badge, or one badge per slice (with its servers) on a shared
        // node, in a row centred above the disc
        const badge = svgEl("g", {
          class: "etw-tenant", "data-tenant": b.tenant,
          transform: `translate(${(i - (tenants.length - 1) / 2) * 14},${-p.r - 9})`,
        }, g);
        svgEl("circle", { r: 6, fill: b.colour, stroke: "#fff", "stroke-width": 1.5 }, badge);
        if (b.servers) svgEl("text", { y: 3, class: "etw-tenant-servers" }, badge).textContent = String(b.servers);
        svgEl("title", {}, badge).textContent = b.title;
      });
      if ((n.count || 1) > 1) {
        svgEl("text", { y: 4, class: "etw-count" }, g).textContent = `×${n.count}`;
      }
      let text = "";
      if (!dense || (perLane.get(n.tier) || 0) <= 24) {
        const max = Math.max(4, Math.floor(Math.max(slotW, 90) / 7));
        text = n.label.length > max ? n.label.slice(0, max - 1) + "…" : n.label;
      }
      const hasBar = load !== undefined;
      const tag = svgEl("g", {
        class: "etw-node-tag", "data-tag": n.id, transform: `translate(${p.x},${p.y})`,
      }, tagLayer);
      const textW = text ? textWidth(text, "etw-node-label", LABEL_CHAR) : 0;
      const spot = placeNodeLabel(n, p, textW, hasBar, segments, boxes, width);
      boxes.push({ x: spot.x, y: spot.y, w: spot.w, h: spot.h });
      const lx = spot.x - p.x;
      const ly = spot.y - p.y;
      const ax = spot.anchor === "end" ? lx + spot.w : spot.anchor === "middle" ? lx + spot.w / 2 : lx;
      if (text) {
        const label = svgEl("text", {
          x: ax, y: ly + 10, class: "etw-node-label", "text-anchor": spot.anchor,
        }, tag);
        label.textContent = text;
      }
      if (hasBar) {
        const by = ly + (text ? 13 : 0);
        const bx = spot.anchor === "end" ? lx + spot.w - BAR_W : spot.anchor === "middle" ? lx + (spot.w - BAR_W) / 2 : lx;
        const pct = (100 * load).toFixed(load < 0.1 ? 1 : 0);
        const meter = svgEl("g", { class: "etw-load-bar", "data-load": load }, tag);
        svgEl("rect", { x: bx, y: by, width: BAR_W, height: BAR_H, rx: 2, class: "etw-load-bg" }, meter);
        svgEl("rect", {
          x: bx, y: by, width: Math.max(1.5, BAR_W * Math.min(1, load)), height: BAR_H, rx: 2,
          class: load >= 1 ? "etw-load etw-load-over" : "etw-load",
        }, meter);
        svgEl("title", {}, meter).textContent = `${n.id}: compute ${pct} % busy (estimate)`;
      }
      if (!running) svgEl("circle", { cx: p.r * 0.8, cy: -p.r * 0.8, r: 5, class: "etw-handle" }, g);
      const busy = load !== undefined ? ` · compute ${(100 * load).toFixed(load < 0.1 ? 1 : 0)} % busy (est.)` : "";
      svgEl("title", {}, g).textContent = (n.title || n.id) + busy + (failed.has(n.id) ? " · FAILED" : "");
    }
    // link labels (bandwidth · latency) beside their line, where there is room
    const labelLayer = svgEl("g", { class: "etw-link-labels" }, svg);
    for (const l of links) {
      const a = geo.pos.get(l.a);
      const b = geo.pos.get(l.b);
      if (!a || !b || !l.label) continue;
      const textW = textWidth(l.label, "etw-link-label", LINK_CHAR);
      const spot = placeLinkLabel(a, b, textW, segments, boxes, width);
      if (!spot) continue;
      boxes.push(spot);
      const cls = failed.has(l.id) ? "etw-link-label etw-failed" : "etw-link-label";
      const g = svgEl("g", {}, labelLayer);
      svgEl("text", { x: spot.x, y: spot.y + 9.5, class: cls, "data-link": l.id }, g).textContent = l.label;
      svgEl("title", {}, g).textContent = l.title || l.id;
    }
    // chips
    const chipLayer = svgEl("g", { class: "etw-chips" }, svg);
    for (const { chip: c, x, y, w, h, text, compact } of chipPlaces) {
      const cls = ["etw-chip"];
      if (!c.ok) cls.push("etw-chip-slo");
      const g = svgEl("g", {
        class: cls.join(" "), "data-chip": c.key, "data-host": c.node, "data-workload": c.workload,
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
    }
  }

  // ------------------------------------------------------------------ messages
  function showMessage() {
    const m = model.get("message") || {};
    if (!m.text) return;
    toast.textContent = m.text;
    toast.title = m.text;
    toast.className = `etw-toast etw-toast-${m.level} etw-toast-show`;
    clearTimeout(toast.__timer);
    toast.__timer = setTimeout(() => toast.classList.remove("etw-toast-show"), 15000);
  }

  function drawLog() {
    const log = model.get("log") || [];
    logToggle.textContent = `${logOpen ? "▾" : "▸"} log (${log.length})`;
    logToggle.title = logOpen ? "hide the message log" : "show the last messages";
    logBox.classList.toggle("etw-log-open", logOpen);
    logBox.replaceChildren();
    for (const entry of [...log].reverse()) {
      htmlEl("div", `etw-log-entry etw-log-${entry.level}`, logBox, entry.text);
    }
  }

  logToggle.addEventListener("click", () => {
    logOpen = !logOpen;
    drawLog();
  });

  // ------------------------------------------------------------------ pointer handling
  svg.addEventListener("pointerdown", (e) => {
    closeMenu();
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
      markTarget(nodeAt(e));
    } else if (drag.kind === "connect") {
      drag.line.setAttribute("x2", p.x);
      drag.line.setAttribute("y2", p.y);
      const over = nodeAt(e);
      markTarget(over !== drag.id ? over : null);
    } else if (drag.kind === "node" && drag.moved && model.get("mode") === "edit") {
      // the node follows along its lane; released on another node it links to it
      const home = geo.pos.get(drag.id);
      drag.g.classList.add("etw-dragging");
      drag.g.setAttribute("transform", `translate(${home.x + dx},${home.y})`);
      svg.querySelector(`g.etw-node-tag[data-tag="${CSS.escape(drag.id)}"]`)
        ?.setAttribute("transform", `translate(${home.x + dx},${home.y})`);
      const over = nodeAt(e);
      markTarget(over !== drag.id ? over : null);
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
      const target = d.moved ? nodeAt(e) : null;
      if (target && target !== d.id && model.get("mode") === "edit") {
        send("connect_request", { a: d.id, b: target });
      } else if (d.moved && model.get("mode") === "edit") {
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

  // "+ node": a click asks for the tier; a drag into a lane adds the node where it is dropped
  function openMenu() {
    menu.replaceChildren();
    htmlEl("div", "etw-tier-menu-title", menu, "Add a node to which tier?");
    for (const lane of [...model.get("lanes")].reverse()) {
      const item = htmlEl("button", "etw-tier-item", menu, `${lane.level} · ${lane.name}`);
      item.type = "button";
      item.setAttribute("data-tier", lane.tier);
      item.style.borderLeftColor = lane.colour;
      item.addEventListener("click", () => {
        closeMenu();
        send("add_request", { tier: lane.tier });
      });
    }
    menu.classList.add("etw-tier-menu-open");
  }

  function closeMenu() {
    menu.classList.remove("etw-tier-menu-open");
  }

  palette.addEventListener("pointerdown", (e) => {
    if (model.get("mode") !== "edit" || e.button !== 0) return;
    e.preventDefault();
    const start = { x: e.clientX, y: e.clientY };
    let ghost = null;
    const follow = (ev) => {
      if (!ghost && Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 5) {
        ghost = htmlEl("div", "etw-ghost", document.body, "+ node");
        closeMenu();
      }
      if (ghost) {
        ghost.style.left = `${ev.clientX + 6}px`;
        ghost.style.top = `${ev.clientY + 6}px`;
      }
    };
    const up = (ev) => {
      window.removeEventListener("pointermove", follow);
      window.removeEventListener("pointerup", up);
      if (!ghost) {
        // a click: ask for the tier
        if (menu.classList.contains("etw-tier-menu-open")) closeMenu();
        else openMenu();
        return;
      }
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

  palette.addEventListener("click", (e) => {
    if (e.detail === 0 && model.get("mode") === "edit") openMenu(); // Enter or Space
  });
  undo.addEventListener("click", () => send("undo_request", {}));

  root.addEventListener("keydown", (e) => {
    const sel = model.get("selected") || {};
    const editing = model.get("mode") === "edit";
    if (e.key === "Escape") closeMenu();
    if ((e.key === "Delete" || e.key === "Backspace") && sel.id && editing) {
      e.preventDefault();
      e.stopPropagation(); // keep JupyterLab from acting on the key
      send("delete_request", { kind: sel.kind, id: sel.id });
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z" && editing) {
      e.preventDefault();
      e.stopPropagation();
      if (model.get("can_undo")) send("undo_request", {});
    }
  });

  const events = "change:lanes change:nodes change:links change:chips change:legend change:loads change:failed change:selected change:mode change:can_undo change:versions change:version_key";
  model.on(events, draw);
  model.on("change:message", showMessage);
  model.on("change:log", drawLog);
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
  drawLog();
  return () => {
    model.off(events, draw);
    model.off("change:message", showMessage);
    model.off("change:log", drawLog);
    resize.disconnect();
  };
}

export default { render };
