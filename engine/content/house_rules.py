"""The house rules of a lesson: what every lesson must hold (errors) and should hold (warnings).

These were tests of the six shipped lessons (tests/content/test_curriculum.py);
here they check every lesson, so `python -m engine validate` holds a new lesson to them.

Errors (the lesson still serves, but validate fails):
- a section whose text states a number cites a source (`cite`): STYLE.md §11,
  "a number in a lesson cites its source". Checked: prose, key points, callouts,
  real-world cases, a code comparison's note, a figure's caption. Not analogies,
  whose numbers are part of a made-up picture ("a ruler with 32 marks");
- Python shown in a code pane or a ```python block parses;
- no placeholder text (TODO, TBD, lorem ipsum, "coming soon");
- images (files under lessons/images/, engine/content/markup.py) only in
  `markdown` and `real_world` sections, the ones drawn as Markdown with images;
- no hyphenated word split across a line ("65-billion-" then "parameter": a line break in
  YAML reads as a space, "65-billion- parameter"), and no Markdown table with an empty header
  cell (a screen reader names each column by its header; axe-core's empty-table-header).
Warnings (validate prints them; `--strict` fails on them):
- every reference is cited by some section; a reference to an arXiv paper links to
  https://arxiv.org/abs/<number> so the version read is pinned;
- a lesson has 4 to 20 sections, its prose sections at least 40 words, and it
  ends with a `quiz` section (practice).

Each rule yields (key path, message, severity); the loader adds file:line:col.
"""

from __future__ import annotations

import ast
import re
from typing import Iterator

from engine.content import schema
from engine.content.markup import images_in

ERROR, WARNING = "error", "warning"
SECTIONS_MIN, SECTIONS_MAX = 4, 20
PROSE_MIN_WORDS = 40

# Digits that are not facts: code, "lesson 5", "section 4.1", "Table 5", "Figure 3",
# list numbering, and digits that are part of a name (fp16, NF4, W_q, GPT-3, Llama-2).
_NOT_FACTS = re.compile(r"```.*?```|`[^`]*`|\b(?:lesson|lessons|section|sections|table|figure|step|steps)\s+\d+(?:\.\d+)?"
                        r"(?:\s+(?:and|to)\s+\d+(?:\.\d+)?)?|^\s*\d+\.\s|\b[A-Za-z]+[-_]?\d+[A-Za-z\d]*\b",
                        re.IGNORECASE | re.MULTILINE | re.DOTALL)
_PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|lorem ipsum|coming soon)\b", re.IGNORECASE)
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_ARXIV = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})")
# A word that ends in a hyphen at a line break, the next line going on with the word; not a suspended
# hyphen ("4- and 8-bit", "pre- or post-"), nor a list item's dash.
_SPLIT_WORD = re.compile(r"(\w[\w-]*-)\n[ \t]*(?!(?:and|or|to)\b)([a-z]\w*)")
_TABLE_HEADER = re.compile(r"^[ \t]*(\|.*\|)[ \t]*\n[ \t]*\|[ \t:|-]*-[ \t:|-]*\|[ \t]*$", re.MULTILINE)


def stated_numbers(text: str) -> list[str]:
    """The numbers a text states as facts, once code, pointers and names are removed."""
    return re.findall(r"\d+(?:[.,]\d+)*", _NOT_FACTS.sub(" ", text))


def prose(section: schema.Section) -> str:
    """The reader-facing text of a section whose facts need a source."""
    if isinstance(section, schema.KeyPointsSection):
        return "\n".join(section.points)
    if isinstance(section, schema.CodeCompareSection):
        return section.note or ""
    if isinstance(section, schema.FigureSection):
        return section.caption or ""
    return getattr(section, "body", "") or ""


def check_lesson(lesson: schema.Lesson) -> Iterator[tuple[str, str, str]]:
    """Every house rule on one lesson, as (key path, message, severity)."""
    yield from _numbers_cite(lesson)
    yield from _code_parses(lesson)
    yield from _no_placeholders(lesson)
    yield from _images_placed(lesson)
    yield from _reads_well(lesson)
    yield from _references(lesson)
    yield from _shape(lesson)


def _numbers_cite(lesson: schema.Lesson):
    for i, section in enumerate(lesson.sections):
        if isinstance(section, schema.AnalogySection):
            continue
        numbers = stated_numbers(prose(section))
        if numbers and not section.cite:
            shown = ", ".join(numbers[:3])
            yield (f"sections[{i}]", f"states {shown} but cites no source; add `cite: [<reference id>]` "
                   "(code in `backticks` and pointers like 'section 4.1' need none)", ERROR)


def _python_blocks(section: schema.Section) -> Iterator[tuple[str, str]]:
    if isinstance(section, schema.CodeCompareSection):
        for side in ("left", "right"):
            pane = getattr(section, side)
            if pane.language == "python":
                yield f"{side}.code", pane.code
    body = getattr(section, "body", None)
    if body:
        for code in _PYTHON_BLOCK.findall(body):
            yield "body", code


def _code_parses(lesson: schema.Lesson):
    for i, section in enumerate(lesson.sections):
        for key, code in _python_blocks(section):
            try:
                ast.parse(code)
            except SyntaxError as exc:
                yield (f"sections[{i}].{key}", f"Python code does not parse: {exc.msg} (line {exc.lineno} of the code)", ERROR)


def _no_placeholders(lesson: schema.Lesson):
    for i, section in enumerate(lesson.sections):
        found = _PLACEHOLDER.search(prose(section))
        if found:
            yield f"sections[{i}]", f"placeholder text '{found.group(0)}'; write the section or remove it", ERROR


def _reads_well(lesson: schema.Lesson):
    for i, section in enumerate(lesson.sections):
        text = prose(section)
        for split in _SPLIT_WORD.finditer(text):
            yield (f"sections[{i}]", f"'{split.group(1)}' ends a line and '{split.group(2)}' starts the next: it reads "
                   f"'{split.group(1)} {split.group(2)}'; keep the hyphenated word on one line", ERROR)
        for header in _TABLE_HEADER.finditer(text):
            cells = [cell.strip() for cell in header.group(1).strip("|").split("|")]
            if "" in cells:
                yield (f"sections[{i}]", f"a table's header cell {cells.index('') + 1} is empty; name the column "
                       "(a screen reader reads each cell with its column's header)", ERROR)


def _images_placed(lesson: schema.Lesson):
    for key in ("title", "summary"):
        if images_in(getattr(lesson, key)):
            yield key, f"images are shown in markdown and real_world sections only, not in the lesson's {key}", ERROR
    for i, section in enumerate(lesson.sections):
        if isinstance(section, (schema.MarkdownSection, schema.RealWorldSection)):
            continue
        texts = [section.title or "", prose(section)] + ([p.caption for p in (section.left, section.right)]
                                                          if isinstance(section, schema.CodeCompareSection) else [])
        if any(images_in(text) for text in texts):
            yield f"sections[{i}]", f"images are shown in markdown and real_world sections only, not in a {section.type}", ERROR


def _references(lesson: schema.Lesson):
    cited = {c for section in lesson.sections for c in section.cite}
    for j, ref in enumerate(lesson.references):
        if ref.id not in cited:
            yield f"references[{j}]", f"reference '{ref.id}' is never cited; cite it or remove it", WARNING
        number = _ARXIV.search(ref.title)
        if number and ref.url != f"https://arxiv.org/abs/{number.group(1)}":
            yield (f"references[{j}].url", f"an arXiv paper links to https://arxiv.org/abs/{number.group(1)}", WARNING)


def _shape(lesson: schema.Lesson):
    count = len(lesson.sections)
    if not SECTIONS_MIN <= count <= SECTIONS_MAX:
        yield "sections", f"{count} sections; a lesson has {SECTIONS_MIN} to {SECTIONS_MAX}", WARNING
    for i, section in enumerate(lesson.sections):
        if isinstance(section, (schema.MarkdownSection, schema.AnalogySection, schema.RealWorldSection)):
            words = len(section.body.split())
            if words < PROSE_MIN_WORDS:
                yield f"sections[{i}].body", f"{words} words; a {section.type} section has at least {PROSE_MIN_WORDS}", WARNING
    if not isinstance(lesson.sections[-1], schema.QuizSection):
        yield "sections", "the lesson does not end with practice (a `quiz` section)", WARNING
