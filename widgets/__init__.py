"""Jupyter UI for the Edge AI Tier Workbench, built on the public API of ``workbench``.

The topology canvas, workload palette, failure injector and live dashboards arrive here; the
model and engine stay in ``workbench`` and never import this package.
"""
