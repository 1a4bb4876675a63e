"""Architecture rules from STYLE.md: engine/ never imports Streamlit."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_nothing_under_engine_imports_streamlit():
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) > 5
    offenders = [str(p.relative_to(ROOT)) for p in files if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_the_rule_would_catch_an_offender(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from streamlit import session_state\n", encoding="utf-8")
    assert "streamlit" in imported_modules(sample)
