// PlotGrid: plotly figures in a grid, kept in step with Python by whole states and patches.
// plotly.js is asked from the kernel by the first grid drawn on the page and evaluated once
// (never while the model starts: anywidget gives that only two seconds).

// The source of plotly.js, asked from the kernel by the first view drawn on this page.
let plotlySource = null;
const sourceWaiters = [];

function loadPlotly(model) {
  if (globalThis.Plotly && globalThis.Plotly.react) return Promise.resolve(globalThis.Plotly);
  if (!globalThis.__etwPlotly) {
    const source = new Promise((resolve) => {
      if (plotlySource) resolve(plotlySource);
      else {
        sourceWaiters.push(resolve);
        model.send({ kind: "plotly" });
      }
    });
    globalThis.__etwPlotly = source.then((text) => evaluatePlotly(text));
  }
  return globalThis.__etwPlotly;
}

function evaluatePlotly(source) {
  return new Promise((resolve, reject) => {
    // hide AMD/CommonJS so that the bundle defines window.Plotly
    const wrapped = `(function(define, module, exports){${source}\n}).call(window);`;
    const url = URL.createObjectURL(new Blob([wrapped], { type: "text/javascript" }));
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => {
      URL.revokeObjectURL(url);
      globalThis.Plotly ? resolve(globalThis.Plotly) : reject(new Error("plotly.js did not load"));
    };
    script.onerror = () => reject(new Error("plotly.js could not be evaluated"));
    document.head.appendChild(script);
  });
}

function applyChange(figures, change) {
  const figure = figures[change.figure];
  if (!figure) return false;
  if (change.trace !== undefined) {
    const trace = figure.data[change.trace];
    if (!trace) return false;
    if (change.keep !== undefined) {
      for (const key of Object.keys(change.append || {})) {
        trace[key] = (trace[key] || []).slice(0, change.keep);
      }
    }
    for (const [key, values] of Object.entries(change.append || {})) {
      const old = trace[key] || [];
      trace[key] = old.concat(values);
    }
    Object.assign(trace, change.set || {});
  }
  if (change.layout) Object.assign(figure.layout, change.layout);
  return true;
}

// One store per model (keyed by its `_uid`: each view gets its own proxy of the model):
// states and patches land here even while no view is drawn.
const STORES = new Map();

// Rest after a redraw before the next one (a figure drawn for the first time does not wait).
const REST_MS = 40;

function store(model) {
  const uid = model.get("_uid");
  let s = STORES.get(uid);
  if (!s) {
    s = { seq: -1, figures: [], versions: [], views: new Set() };
    const fromState = () => {
      const state = model.get("state") || {};
      if (state.seq === undefined || state.seq <= s.seq) return;
      s.seq = state.seq;
      s.figures = structuredClone(state.figures || []);
      s.versions = s.figures.map((_, i) => (s.versions[i] || 0) + 1);
      s.views.forEach((v) => v.schedule());
    };
    s.fromState = fromState;
    model.on("change:state", fromState);
    model.on("msg:custom", (msg) => {
      if (msg && msg.kind === "plotly") {
        plotlySource = msg.source;
        sourceWaiters.splice(0).forEach((resolve) => resolve(msg.source));
        return;
      }
      if (!msg || msg.kind !== "patch") return;
      if (msg.seq <= s.seq) return; // already in a newer whole state
      if (msg.seq !== s.seq + 1) {
        model.send({ kind: "resend" }); // a gap: ask for everything again
        return;
      }
      s.seq = msg.seq;
      for (const change of msg.changes) {
        if (applyChange(s.figures, change)) s.versions[change.figure] += 1;
        else {
          model.send({ kind: "resend" });
          return;
        }
      }
      s.views.forEach((v) => v.schedule());
    });
    fromState();
    STORES.set(uid, s);
  }
  return s;
}

function initialize({ model }) {
  store(model);
}

function render({ model, el }) {
  const s = store(model);
  s.fromState();
  const grid = document.createElement("div");
  grid.className = "etw-plotgrid";
  el.appendChild(grid);
  const cells = [];
  let Plotly = null;
  let frame = null;
  const drawn = []; // version of each figure this view shows
  const resize = new ResizeObserver((entries) => {
    if (!Plotly) return;
    for (const entry of entries) {
      if (entry.target._fullLayout && entry.contentRect.width > 0) Plotly.Plots.resize(entry.target);
      else view.schedule(); // first size: draw it now
    }
  });
  const layoutCells = () => {
    grid.style.gridTemplateColumns = `repeat(${model.get("columns")}, minmax(0, 1fr))`;
    while (cells.length < s.figures.length) {
      const cell = document.createElement("div");
      cell.className = "etw-plot";
      cell.dataset.index = String(cells.length);
      cell.innerHTML = "<div class='etw-plot-loading'>loading the figure…</div>";
      grid.appendChild(cell);
      cells.push(cell);
      resize.observe(cell);
    }
    while (cells.length > s.figures.length) {
      const cell = cells.pop();
      resize.unobserve(cell);
      if (Plotly) Plotly.purge(cell);
      cell.remove();
      drawn.length = cells.length;
    }
  };
  // One figure per animation frame keeps each task short; the figure that has waited longest
  // goes first; and a short rest after each redraw leaves the main thread time for input,
  // messages and garbage collection (a plotly redraw costs 30-100 ms of main thread).
  const waiting = []; // since when each figure has had a newer version than the one drawn
  let rested = 0; // when the last redraw ended
  const draw = (now) => {
    frame = null;
    if (!Plotly) return;
    layoutCells();
    const n = s.figures.length;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      const cell = cells[i];
      if (drawn[i] === s.versions[i] || !cell.isConnected || cell.clientWidth === 0) continue;
      if (waiting[i] === undefined) waiting[i] = now;
      if (pick < 0 || waiting[i] < waiting[pick]) pick = i;
    }
    if (pick < 0) return;
    if (now - rested < REST_MS && drawn[pick] !== undefined) {
      view.schedule(); // not yet: keep the frame short
      return;
    }
    const cell = cells[pick];
    const loading = cell.querySelector(".etw-plot-loading");
    if (loading) loading.remove();
    const layout = { ...s.figures[pick].layout, autosize: true, datarevision: s.versions[pick] };
    delete layout.width;
    Plotly.react(cell, s.figures[pick].data, layout, model.get("config"));
    drawn[pick] = s.versions[pick];
    waiting[pick] = undefined;
    rested = performance.now();
    if (s.figures.some((_, i) => drawn[i] !== s.versions[i] && cells[i] && cells[i].clientWidth > 0)) {
      view.schedule(); // the others in the next frames
    }
  };
  const view = {
    schedule() {
      if (frame === null) frame = requestAnimationFrame(draw);
    },
  };
  s.views.add(view);
  const redrawAll = () => {
    drawn.length = 0;
    view.schedule();
  };
  model.on("change:columns", redrawAll);
  layoutCells();
  loadPlotly(model)
    .then((P) => {
      Plotly = P;
      redrawAll();
    })
    .catch((err) => {
      grid.textContent = `The figures could not be drawn: ${err.message}`;
    });
  return () => {
    s.views.delete(view);
    resize.disconnect();
    if (frame !== null) cancelAnimationFrame(frame);
    model.off("change:columns", redrawAll);
    if (Plotly) cells.forEach((c) => Plotly.purge(c));
  };
}

export default { initialize, render };
