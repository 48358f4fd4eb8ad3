// Keeps plotly FigureWidgets sized to their grid cells: a FigureWidget resizes itself on a
// window "resize" event, but not when only its container changes (a JupyterLab panel resize,
// or its first render inside a grid). This zero-size widget watches the enclosing container
// and tells the page to resize when that container's width changes.
function render({ el }) {
  let observer = null;
  let last = -1;
  let timer = null;
  const nudge = () => {
    clearTimeout(timer);
    timer = setTimeout(() => window.dispatchEvent(new Event("resize")), 60);
  };
  const attach = () => {
    const box = el.closest(".etw-dashboard") || el.parentElement;
    if (!box || !box.isConnected) {
      setTimeout(attach, 200);
      return;
    }
    observer = new ResizeObserver(() => {
      if (Math.abs(box.clientWidth - last) > 2) {
        last = box.clientWidth;
        nudge();
      }
    });
    observer.observe(box);
    setTimeout(nudge, 500); // after the figures' own first render
  };
  attach();
  return () => {
    if (observer) observer.disconnect();
    clearTimeout(timer);
  };
}

export default { render };
