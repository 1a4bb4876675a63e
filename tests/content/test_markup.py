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


# ---- every form of link, checked as the browser decodes it (issue 21) ---------------------------
def links_in(text: str) -> list[str]:
    """Every link and image target that CommonMark reads in `text` (an independent parse)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    parser.validateLink = lambda url: True
    found = []

    def walk(tokens):
        for token in tokens:
            walk(token.children or [])
            if token.type in ("link_open", "image"):
                found.append(token.attrGet("href") or token.attrGet("src"))

    walk(parser.parse(text))
    return found


HOSTILE_LINKS = [
    "[x](jav&#x61;script:alert(1))",  # an entity in the scheme
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](javascript\\:alert(1))",  # a backslash escape
    "[x](<javascript:alert(1)>)",
    "[a [nested] text](javascript:alert(1))",
    "[x][evil]\n\n[evil]: javascript:alert(1)",  # reference style
    "[evil]\n\n[evil]: <jav&#x61;script:alert(1)>",  # shortcut reference
    "Look: <javascript:alert(1)>",  # an autolink
    "<DATA:text/html,x>",
    "$\\href{javascript:alert(1)}{click}$",  # KaTeX
    "$\\url{javascript:alert(1)}$",
    "$\\href{jav&#x61;script:alert(1)}{click}$",
]


@pytest.mark.parametrize("text", HOSTILE_LINKS)
def test_every_link_form_is_checked_after_decoding(text):
    cleaned, messages = markup.clean(text, images=True)
    assert messages and all("is not allowed" in m for m in messages), messages
    assert not any(":" in target and not target.startswith(("http:", "https:")) for target in links_in(cleaned))
    assert "\\href" not in cleaned and "\\url" not in cleaned


def test_a_reference_style_image_from_another_site_is_refused():
    cleaned, messages = markup.clean("![pixel][p]\n\n[p]: https://tracker.example/p.png", images=True)
    assert messages == ["images from other sites are not allowed (https://tracker.example/p.png); ship the file under "
                        "lessons/images/"]
    assert links_in(cleaned) == []


@pytest.mark.parametrize("text", ["[ok](https://arxiv.org/abs/2106.09685)", "[ref][r]\n\n[r]: https://x.org",
                                  "<https://x.org>", "$\\href{https://x.org}{x}$", "a [bracket] and a < sign"])
def test_allowed_links_are_left_as_written(text):
    assert markup.clean(text, images=True) == (text, [])


@pytest.mark.parametrize("title", ["x](javascript:alert(1)) [y", "Hu et al. [1](2021)", "<javascript:alert(1)>",
                                   "$\\href{javascript:alert(1)}{x}$", ":red[loud] **bold**"])
def test_a_citation_shows_its_title_literally_and_links_only_its_url(title):
    text = markup.citation(title, "https://arxiv.org/abs/2106.09685")
    assert links_in(text) == ["https://arxiv.org/abs/2106.09685"]
    assert links_in(markup.escape(title)) == []


@pytest.mark.parametrize("url", ["https://x.org) [evil](javascript:alert(1)", "https://x.org/a b", "https://x.org/<b>",
                                 'https://x.org/"x', "https://x.org/(", "jav&#x61;script:alert(1)"])
def test_a_reference_url_that_would_break_out_of_its_link_is_refused(url):
    assert markup.reference_url_problem(url)


def test_a_url_with_balanced_parentheses_keeps_working():
    url = "https://en.wikipedia.org/wiki/Low-rank_approximation_(mathematics)"
    assert markup.reference_url_problem(url) is None
    assert links_in(markup.citation("Wikipedia", url)) == [url.replace("(", "%28").replace(")", "%29")]
