"""Links and images in lesson and quiz text: which are allowed, and the text made safe.

Rules (docs/authoring.md, "Limits and safety"):
- A link, in Markdown (`[text](target)`) or a reference's `url`, is `http:`, `https:`
  or relative (`other-lesson`, `#heading`). Any other scheme (`javascript:`,
  `data:`, `file:`, `vbscript:`) is an error, and the link shows as its text.
- An image (`![alt](path)`) is a file shipped with the project under
  `lessons/images/`, written as `images/<file>` in a lesson. An image from
  another site would tell that site about every learner who opens the page, and
  could change after the lesson was reviewed; it is an error, and shows as its
  alt text. Quizzes show no images.
- Raw HTML is never rendered (the app calls st.markdown without unsafe_allow_html),
  so `<img>` or `<script>` shows as text and needs no rule here.

`clean(text, images=...)` returns the text with every refused link or image replaced
by its words, and one message per replacement; the loader applies it to every
string of a file except code (CODE_KEYS) before validation, so what is refused
is never rendered, whichever page shows the text.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from engine import ROOT

IMAGE_DIR = ROOT / "lessons" / "images"
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
ALLOWED_SCHEMES = ("http", "https")
# Keys whose strings are code or expressions, never Markdown: left exactly as written.
CODE_KEYS = frozenset({"code", "snippet", "reference", "formula", "expr", "answer", "expected",
                       "constraints", "checks", "target", "language", "id", "url"})

# [text](target "title") and ![alt](target "title"); as in CommonMark, the target has no
# spaces and may hold balanced parentheses (one level: `javascript:alert(1)`).
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def url_problem(url: str) -> str | None:
    """Why a link target is refused, or None if it is http(s) or relative."""
    target = url.strip()
    if any(ord(ch) < 32 for ch in target):
        return "a link may not contain control characters"
    scheme = _SCHEME.match(target)
    if scheme and scheme.group(1).lower() not in ALLOWED_SCHEMES:
        return f"links may be http, https or relative; '{scheme.group(1)}:' is not allowed"
    if target.startswith("//") or target.startswith("\\\\"):
        return "a link needs 'https:' before '//'"
    return None


def image_problem(target: str, *, images: bool) -> str | None:
    """Why an image is refused, or None if it is a shipped file under lessons/images/."""
    if not images:
        return "quizzes show no images; use a lesson (images under lessons/images/)"
    if _SCHEME.match(target) or target.startswith("//"):
        return f"images from other sites are not allowed ({target[:60]}); ship the file under lessons/images/"
    path = PurePosixPath(target)
    if path.parts[:1] != ("images",) or ".." in path.parts or len(path.parts) != 2:
        return f"an image is written as images/<file> and shipped in lessons/images/ (found '{target[:60]}')"
    if path.suffix.lower() not in IMAGE_TYPES:
        return f"image '{target}' is not one of {', '.join(IMAGE_TYPES)}"
    if not (IMAGE_DIR / path.name).is_file():
        return f"image '{target}' is not in lessons/images/"
    return None


def local_image(target: str) -> str | None:
    """The file an allowed image names, for the renderer; None if it is not allowed."""
    return None if image_problem(target, images=True) else str(IMAGE_DIR / PurePosixPath(target).name)


def clean(text: str, *, images: bool) -> tuple[str, list[str]]:
    """The text with refused links and images replaced by their words, and why each was refused."""
    if "](" not in text:
        return text, []
    messages: list[str] = []

    def replace(match: re.Match) -> str:
        bang, words, target = match.groups()
        why = image_problem(target, images=images) if bang else url_problem(target)
        if why is None:
            return match.group(0)
        messages.append(why)
        return words

    return _LINK.sub(replace, text), messages


def images_in(text: str) -> list[str]:
    """The targets of the Markdown images in a text."""
    return [match.group(3) for match in _LINK.finditer(text) if match.group(1)]


def split_images(text: str) -> list[tuple[str, str, str]]:
    """Markdown cut at its images, in order: ("text", chunk, ""), ("image", file, alt), or
    ("missing", target, alt) for an image that is not (or no longer) a shipped file."""
    parts: list[tuple[str, str, str]] = []
    last = 0
    for match in _LINK.finditer(text):
        if not match.group(1):
            continue
        parts.append(("text", text[last:match.start()], ""))
        bang, alt, target = match.groups()
        file = local_image(target)
        parts.append(("image", file, alt) if file else ("missing", target, alt))
        last = match.end()
    parts.append(("text", text[last:], ""))
    return [part for part in parts if part[0] != "text" or part[1].strip()]
