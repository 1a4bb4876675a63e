"""A lesson with a bad figure, a failing section and images renders everything else (issue 14, item 8)."""

from __future__ import annotations

import pytest

from tests.apptest import open_page

LESSON = """\
id: faults
title: A lesson with faults
summary: Everything but the broken parts renders.
order: 900
estimated_minutes: 5
sections:
  - type: markdown
    body: "Before the figure. ![A shipped diagram](images/diagram.png) ![tracker](https://example.com/p.png)"
  - type: figure
    name: rank_explorer
    params: {rank: 1000000}
  - type: markdown
    body: After the figure.
"""


@pytest.fixture
def faulty_lesson(tmp_path, monkeypatch):
    from PIL import Image

    import engine.content.loader as loader
    from engine.content import markup

    lessons, images = tmp_path / "lessons", tmp_path / "images"
    lessons.mkdir()
    images.mkdir()
    Image.new("RGB", (4, 4), "purple").save(images / "diagram.png")
    (lessons / "faults.yaml").write_text(LESSON, encoding="utf-8")
    monkeypatch.setattr(loader, "LESSON_DIR", lessons)
    monkeypatch.setattr(markup, "IMAGE_DIR", images)
    return "faults"


def test_a_bad_figure_shows_why_and_the_rest_renders(faulty_lesson):
    at = open_page(faulty_lesson)
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("This figure cannot be shown: `rank` input should be less than or equal to 1024" in e for e in errors), errors
    texts = [m.value for m in at.markdown]
    assert "After the figure." in texts


def test_a_shipped_image_is_drawn_and_an_external_one_is_not(faulty_lesson):
    at = open_page(faulty_lesson)
    texts = " ".join(m.value for m in at.markdown)
    assert "https://example.com" not in texts and "tracker" in texts  # refused: its alt text only
    assert len(at.get("image")) == 1
    problems = " ".join(c.value for c in at.code)
    assert "images from other sites are not allowed" in problems


def test_a_section_that_fails_to_render_is_replaced_by_a_message(faulty_lesson, monkeypatch):
    from ui.components import sections

    def broken(section, key):
        raise RuntimeError("boom")

    monkeypatch.setitem(sections._RENDERERS, "figure", broken)
    at = open_page(faulty_lesson)
    assert not at.exception
    assert any("This part of the lesson could not be shown" in e.value for e in at.error)
    assert "After the figure." in [m.value for m in at.markdown]
