"""engine/content/markup.py: which links and images lesson and quiz text may hold."""

from __future__ import annotations

import pytest

from engine.content import markup


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/2106.09685", "http://example.com", "qlora", "#top", "../x", "HTTPS://A.B"])
def test_allowed_links(url):
    assert markup.url_problem(url) is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:x", "data:text/html;base64,PHNjcmlwdD4=",
                                 "vbscript:x", "file:///etc/passwd", "//evil.example", "java\tscript:x"])
def test_refused_links(url):
    assert markup.url_problem(url)


def test_clean_keeps_allowed_and_words_of_refused():
    text, messages = markup.clean("[a](https://x.org) [b](javascript:alert(1)) ![c](http://x.org/p.png)", images=True)
    assert text == "[a](https://x.org) b c" and len(messages) == 2


def test_quizzes_show_no_images():
    text, messages = markup.clean("![alt](images/x.png)", images=False)
    assert text == "alt" and messages == ["quizzes show no images; use a lesson (images under lessons/images/)"]


@pytest.fixture
def image_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(markup, "IMAGE_DIR", tmp_path)
    (tmp_path / "diagram.png").write_bytes(b"\x89PNG")
    return tmp_path


def test_a_shipped_image_is_allowed_and_located(image_dir):
    assert markup.clean("![A diagram](images/diagram.png)", images=True) == ("![A diagram](images/diagram.png)", [])
    assert markup.split_images("Before\n![A diagram](images/diagram.png)\nAfter") == [
        ("text", "Before\n", ""), ("image", str(image_dir / "diagram.png"), "A diagram"), ("text", "\nAfter", "")]


@pytest.mark.parametrize(("target", "why"), [
    ("images/missing.png", "is not in lessons/images/"),
    ("images/../../etc/passwd.png", "written as images/<file>"),
    ("/etc/diagram.png", "written as images/<file>"),
    ("images/diagram.exe", "is not one of"),
    ("https://cdn.example/diagram.png", "images from other sites are not allowed"),
])
def test_other_images_are_refused(image_dir, target, why):
    assert why in markup.image_problem(target, images=True)
