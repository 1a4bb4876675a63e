"""Interactive figures for lessons: one module per name in engine.content.figures.FIGURES.

Each module exposes `render(params)`, where `params` is an instance of the
figure's pydantic params model (defaults filled in); widget keys start with the
figure's name. Widgets never import torch: they render inside lessons.
"""
