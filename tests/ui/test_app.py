"""The app frame in AppTest: Home and every lesson page render with no exception,
and opening them imports no torch, transformers or bitsandbytes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.content.loader import load_course
from tests.apptest import open_page
from tests.conftest import ROOT

LESSON_IDS = [lesson.id for lesson in load_course().lessons]


def test_home_lists_every_lesson_in_order():
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    headings = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert headings == [f"### {l.order}. {l.title}" for l in load_course().lessons]


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_each_lesson_page_renders(lesson_id):
    at = open_page(lesson_id)
    assert not at.exception, [e.value for e in at.exception]
    lesson = load_course().lesson(lesson_id)
    assert [t.value for t in at.title] == [lesson.title]
    assert len(at.markdown) + len(at.info) + len(at.code) >= len(lesson.sections) // 2


def test_six_or_more_lessons_ship():
    assert len(LESSON_IDS) >= 6, LESSON_IDS


PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from tests.apptest import open_page
heavy = ("torch", "transformers", "bitsandbytes", "peft")
seen = {{}}
for page in [None] + {lessons!r}:
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    seen[page or "home"] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps(seen))
"""


def test_rendering_home_and_lessons_imports_no_torch():
    code = PROBE.format(root=str(ROOT), lessons=LESSON_IDS)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(seen) == {"home", *LESSON_IDS}
    assert all(mods == [] for mods in seen.values()), seen


def test_broken_lesson_file_shows_in_a_panel_and_the_rest_serve(tmp_path, monkeypatch):
    import engine.content.loader as loader

    for path in loader.yaml_files(loader.LESSON_DIR):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "99-broken.yaml").write_text("id: broken\ntitle: [oops\n", encoding="utf-8")
    monkeypatch.setattr(loader, "LESSON_DIR", tmp_path)
    at = open_page()
    assert not at.exception
    assert any("content error" in e.label for e in at.expander)
    assert any("99-broken.yaml:3:1: YAML syntax error" in c.value for c in at.code)
    headings = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert len(headings) == len(LESSON_IDS)


def test_every_registered_figure_has_a_widget():
    import importlib

    from engine.content.figures import FIGURES

    for name in FIGURES:
        assert callable(importlib.import_module(f"ui.widgets.{name}").render), name
