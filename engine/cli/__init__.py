"""Sub-commands of `python -m engine`: one module per command (see engine/__main__.py)."""
