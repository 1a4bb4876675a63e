r"""Links and images in lesson and quiz text: which are allowed, and the text made safe.

Rules (docs/authoring.md, "Limits and safety"):
- A link, in Markdown (`[text](target)`, `[text][ref]` with `[ref]: target`, `<target>`) or
  a reference's `url`, is `http:`, `https:` or relative (`other-lesson`, `#heading`). Any
  other scheme (`javascript:`, `data:`, `file:`, `vbscript:`) is an error, and the link
  shows as its text. The target is checked as the browser will get it: after Markdown's
  backslash escapes and HTML entities are decoded (`jav&#x61;script:` is `javascript:`).
- An image (`![alt](path)`) is a file shipped with the project under
  `lessons/images/`, written as `images/<file>` in a lesson. An image from
  another site would tell that site about every learner who opens the page, and
  could change after the lesson was reviewed; it is an error, and shows as its
  alt text. Quizzes show no images.
- KaTeX's `\href{target}{text}`, `\url{target}` and `\includegraphics{target}` follow the
  same rules (KaTeX renders them only with its `trust` option, but the text must not rely on it).
- Raw HTML is never rendered (the app calls st.markdown without unsafe_allow_html),
  so `<img>` or `<script>` shows as text and needs no rule here.

Every link and image is found by parsing the text as CommonMark (markdown-it-py, the reference
algorithm's Python port), so no form of link escapes the check; the refused ones are then
replaced by their words, and the result is parsed again. Should a refused target remain in
some form the replacement does not know, every bracket of the string is escaped, so it
shows as plain text.

`clean(text, images=...)` returns the text with every refused link or image replaced
by its words, and one message per refused target; the loader applies it to every
string of a file except code (CODE_KEYS) before validation, so what is refused
is never rendered, whichever page shows the text. `escape` and `citation` make text
from a file safe to put inside Markdown the app writes itself, such as `[title](url)`.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

from engine import ROOT

IMAGE_DIR = ROOT / "lessons" / "images"
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
ALLOWED_SCHEMES = ("http", "https")
# Keys whose strings are code or expressions, never Markdown: left exactly as written.
CODE_KEYS = frozenset({"code", "snippet", "reference", "formula", "expr", "answer", "expected",
                       "constraints", "checks", "target", "language", "id", "url"})

# [text](target "title") and ![alt](target "title"); as in CommonMark, the text may hold one level of
# brackets, and the target is <anything but angle brackets> or has no spaces and balanced parentheses
# (one level: `javascript:alert(1)`).
_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?:<([^<>\n]*)>|((?:[^()\s<>]|\([^()\s]*\))*))"
                   r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[((?:[^\[\]\\]|\\.)+)\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+).*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_TEX = re.compile(r"\\(href|url|includegraphics)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}(?:\s*\{([^{}]*)\})?")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash escape: any ASCII punctuation (CommonMark §2.4)
_UNSAFE_IN_URL = set(" \t\n<>\"`\\")  # never in a URL (RFC 3986 §2); in a reference's url they would end the link
_TARGET_OF = {"link_open": "href", "image": "src"}  # the markdown-it tokens that point somewhere, and where
_URL_SAFE = "!#$%&'*+,/:;=?@[]~"  # kept as they are when a url is put in a link; the rest percent-encoded


@functools.cache
def _parser():
    """CommonMark, seeing every link: markdown-it drops some targets silently, and the browser might not."""
    from markdown_it import MarkdownIt  # only for text that could hold a link

    parser = MarkdownIt("commonmark")
    parser.validateLink = lambda url: True
    return parser


def decoded(target: str) -> str:
    """A link target as the browser gets it: backslash escapes and HTML entities decoded."""
    return html.unescape(_ESCAPED.sub(r"\1", target))


def url_problem(url: str) -> str | None:
    """Why a link target is refused, or None if it is http(s) or relative."""
    target = decoded(url).strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "a link may not contain control characters"
    scheme = _SCHEME.match(target)
    if scheme and scheme.group(1).lower() not in ALLOWED_SCHEMES:
        return f"links may be http, https or relative; '{scheme.group(1)}:' is not allowed"
    if target.startswith("//") or target.startswith("\\\\"):
        return "a link needs 'https:' before '//'"
    return None


def reference_url_problem(url: str) -> str | None:
    """Why a reference's `url` is refused: as url_problem, and no space, quote, angle bracket or
    backslash, or unbalanced parenthesis, which would end the link the page builds around it."""
    unsafe = sorted(set(url.strip()) & _UNSAFE_IN_URL)
    if why := url_problem(url):
        return why
    if unsafe:
        return f"a url may not contain {' or '.join(repr(ch) for ch in unsafe)}; percent-encode it (a space is %20)"
    if url.count("(") != url.count(")"):
        return "a url's parentheses must be balanced; percent-encode a lone one as %28 or %29"
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
    if not any(mark in text for mark in ("[", "<", "\\")):
        return text, []
    messages = _refused(text, images=images)
    if not messages:
        return text, []
    cleaned = _REFERENCE.sub(lambda m: _keep(m, _unbracket(m.group(2)), images, m.group(0), ""), text)
    cleaned = _LINK.sub(lambda m: _keep(m, _target(m), images, m.group(0), m.group(2)), cleaned)
    cleaned = _AUTOLINK.sub(lambda m: m.group(0) if url_problem(m.group(1)) is None else m.group(1), cleaned)
    cleaned = _TEX.sub(lambda m: m.group(0) if url_problem(m.group(2)) is None else f"\\text{{{m.group(3) or ''}}}",
                       cleaned)
    if _refused(cleaned, images=images):  # a form the replacements do not know: no links at all
        cleaned = re.sub(r"([\[\]<>])", r"\\\1", cleaned)
    return cleaned, messages


def _keep(match: re.Match, target: str, images: bool, whole: str, words: str) -> str:
    is_image = match.group(0).startswith("!") if match.re is _LINK else False
    why = image_problem(decoded(target), images=images) if is_image else url_problem(target)
    return whole if why is None else words


def _target(link: re.Match) -> str:
    """The target of a _LINK match, written <in angle brackets> or not."""
    return link.group(3) if link.group(3) is not None else link.group(4)


def _unbracket(target: str) -> str:
    return target[1:-1] if target.startswith("<") and target.endswith(">") else target


def _refused(text: str, *, images: bool) -> list[str]:
    """Why each link and image of `text` is refused, as CommonMark reads them, and each KaTeX link."""
    found: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.children:
                walk(token.children)
            attribute = _TARGET_OF.get(token.type)
            if attribute:
                target = unquote(str(token.attrGet(attribute) or ""))
                found.append(url_problem(target) if attribute == "href" else image_problem(target, images=images))

    if "[" in text or "<" in text:
        walk(_parser().parse(text))
    found += [url_problem(m.group(2)) for m in _TEX.finditer(text)]
    return [why for why in found if why]


def escape(text: str) -> str:
    """`text` shown literally by st.markdown: every ASCII punctuation mark that Markdown, Streamlit's
    colour and icon directives or KaTeX could read is backslash-escaped (CommonMark §2.4)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+\-.!|$&~:])", r"\\\1", text)


def citation(title: str, url: str | None) -> str:
    """A reference as Markdown: its title shown literally, linked to its url when that is allowed.
    The url is percent-encoded where it could end the link (spaces, parentheses, angle brackets)."""
    if url is None or reference_url_problem(url):
        return escape(title)
    return f"[{escape(title)}]({quote(url, safe=_URL_SAFE)})"


def images_in(text: str) -> list[str]:
    """The targets of the Markdown images in a text."""
    return [_target(match) for match in _LINK.finditer(text) if match.group(1)]


def split_images(text: str) -> list[tuple[str, str, str]]:
    """Markdown cut at its images, in order: ("text", chunk, ""), ("image", file, alt), or
    ("missing", target, alt) for an image that is not (or no longer) a shipped file."""
    parts: list[tuple[str, str, str]] = []
    last = 0
    for match in _LINK.finditer(text):
        if not match.group(1):
            continue
        parts.append(("text", text[last:match.start()], ""))
        alt, target = match.group(2), _target(match)
        file = local_image(target)
        parts.append(("image", file, alt) if file else ("missing", target, alt))
        last = match.end()
    parts.append(("text", text[last:], ""))
    return [part for part in parts if part[0] != "text" or part[1].strip()]
