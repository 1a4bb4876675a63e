"""No caption holds inline code: Streamlit draws a caption at 0.6 opacity, and inline code in it
(its green codeTextColor, 10.5 px) falls under 3:1 on the page (axe color-contrast, seen on the
Lab page). Code a learner should read goes in normal text (st.markdown) or st.code."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"


def captions_with_code(source: str) -> list[int]:
    """Line numbers of st.caption(...) calls whose text holds a backtick."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "caption":
            texts = [n.value for arg in node.args for n in ast.walk(arg)
                     if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if any("`" in text for text in texts):
                lines.append(node.lineno)
    return lines


def test_the_check_finds_a_caption_with_code():
    assert captions_with_code('st.caption("Run `python -m engine validate`.")\nst.caption("plain")') == [1]
    assert captions_with_code('st.caption(f"{n} runs: `x`")') == [1]


def test_no_caption_in_the_ui_holds_inline_code():
    found = {str(path.relative_to(UI.parent)): lines for path in sorted(UI.rglob("*.py"))
             if (lines := captions_with_code(path.read_text(encoding="utf-8")))}
    assert found == {}, f"inline code in st.caption (low contrast): {found}"
