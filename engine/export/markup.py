"""The Markdown our quizzes use, as the XHTML that QTI item bodies hold.

Quizzes write paragraphs (blank-line separated), `code`, **bold** and *emphasis*, nothing
more (raw HTML is never rendered, docs/authoring.md). Everything else stays text: the
XML writer escapes it, so a `<` in a prompt is a `<` on the page, never markup.

    text ─ paragraphs(parent, text): <p> per paragraph ─ inline: <code>, <strong>, <em>, text
    snippet ─ code_block(parent, code): <pre><code>
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET


# `code` first (its inside is literal), then **bold**, then *emphasis* (not `a * b` with spaces).
_INLINE = re.compile(r"`(?P<code>[^`\n]+)`|\*\*(?P<bold>[^*\n]+?)\*\*|\*(?P<em>[^*\s](?:[^*\n]*?[^*\s])?)\*")


def paragraphs(parent: ET.Element, text: str, *, tag: str = "p") -> None:
    """Append one <p> (or `tag`) per paragraph of `text`; single newlines are spaces, as in Markdown."""
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.strip():
            inline(ET.SubElement(parent, tag), " ".join(block.split("\n")).strip())


def inline(parent: ET.Element, text: str) -> None:
    """Append `text` to `parent` with its code spans, bold and emphasis as elements."""
    last: ET.Element | None = None
    at = 0
    for match in _INLINE.finditer(text):
        _append_text(parent, last, text[at:match.start()])
        kind = match.lastgroup
        last = ET.SubElement(parent, {"code": "code", "bold": "strong", "em": "em"}[kind])
        if kind == "code":
            last.text = match.group(kind)
        else:
            inline(last, match.group(kind))
        at = match.end()
    _append_text(parent, last, text[at:])


def code_block(parent: ET.Element, code: str) -> None:
    """A snippet as <pre><code>, line breaks and indentation kept."""
    pre = ET.SubElement(parent, "pre")
    ET.SubElement(pre, "code").text = code.rstrip("\n")


def _append_text(parent: ET.Element, last: ET.Element | None, text: str) -> None:
    if not text:
        return
    if last is None:
        parent.text = (parent.text or "") + text
    else:
        last.tail = (last.tail or "") + text
