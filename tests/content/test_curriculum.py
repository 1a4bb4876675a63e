"""The shipped curriculum (lessons/*.yaml): what must stay true of the course.

Issue 2, item 6: six lessons in order, each the next one's prerequisite; each
lesson ends with its own quiz; lessons 2-5 carry their figures and lesson 6 its lab.
The rules every lesson follows (numbers cite sources, code parses, ...) are
`validate`'s house rules (engine/content/house_rules.py, tests/content/test_house_rules.py);
here the shipped lessons are checked to pass them. The worked numbers in the
text are recomputed here from first principles or from the engine
(engine/maths/lora.py, engine/maths/nf4.py, engine/lab/settings.py), so an edit that
breaks an example, or an engine change that contradicts the text, fails a test.
"""

from __future__ import annotations

import re

import pytest

from engine.content import schema
from engine.lab.settings import LabSettings

# The course, in order: (lesson id, file name).
COURSE = [
    ("why-lora-qlora", "01-why-lora-qlora.yaml"),
    ("lora-low-rank-update", "02-lora-low-rank-update.yaml"),
    ("number-formats-quantization", "03-number-formats-quantization.yaml"),
    ("qlora", "04-qlora.yaml"),
    ("where-memory-goes", "05-where-memory-goes.yaml"),
    ("hands-on-new-words", "06-hands-on-new-words.yaml"),
]
IDS = [lesson_id for lesson_id, _ in COURSE]
MINE = IDS[1:]  # lessons 2-6; lesson 1 is the seed's story

# The interactive figures each lesson promises: lesson id -> [(name, params)].
FIGURES = {
    "lora-low-rank-update": [
        ("rank_explorer", {"d_in": 4096, "d_out": 4096, "rank": 8}),
        ("lowrank_approx", {"source": "model", "max_rank": 64}),
    ],
    "number-formats-quantization": [("nf4_quantizer", {"blocksize": 64})],
    "qlora": [("memory_calculator", {"preset": "llama-65b", "method": "qlora", "batch_size": 1, "seq_len": 512})],
    "where-memory-goes": [("memory_calculator", {"preset": "llama-7b", "method": "full", "batch_size": 1, "seq_len": 512})],
}

# ---------------------------------------------------------------- structure

def test_the_course_loads_clean_with_every_quiz(course):
    """No problem in any lesson file, and each lesson's quiz (quizzes/<id>.yaml) is there."""
    lesson_files = {name for _, name in COURSE}
    assert [str(p) for p in course.problems if p.file.split("/")[-1] in lesson_files] == []
    assert [lesson.id for lesson in course.lessons if lesson.id in IDS] == IDS
    assert [lesson_id for lesson_id in MINE if lesson_id not in course.quizzes] == []


def test_six_lessons_in_order(lessons, course):
    for order, (lesson_id, file_name) in enumerate(COURSE, start=1):
        assert lessons[lesson_id].order == order
        assert course.files[lesson_id].name == file_name


def test_prerequisites_form_a_chain(lessons):
    assert lessons[IDS[0]].prerequisites == []
    for previous, current in zip(IDS, IDS[1:]):
        assert lessons[current].prerequisites == [previous], current


@pytest.mark.parametrize("lesson_id", MINE)
def test_each_lesson_ends_with_its_own_quiz(lessons, lesson_id):
    last = lessons[lesson_id].sections[-1]
    assert isinstance(last, schema.QuizSection)
    assert (last.quiz, last.title, last.questions) == (lesson_id, "Practice", [])


@pytest.mark.parametrize("lesson_id", IDS)
def test_length_is_a_real_lesson(lessons, lesson_id):
    lesson = lessons[lesson_id]
    assert 8 <= len(lesson.sections) <= 15
    assert 10 <= lesson.estimated_minutes <= 20


@pytest.mark.parametrize("lesson_id", MINE)
def test_rich_teaching_mix(lessons, lesson_id):
    """Prose, an analogy or story, code or a figure, key points and a callout in every lesson."""
    kinds = {type(s) for s in lessons[lesson_id].sections}
    assert schema.MarkdownSection in kinds and schema.KeyPointsSection in kinds and schema.CalloutSection in kinds
    assert kinds & {schema.AnalogySection, schema.RealWorldSection}
    assert kinds & {schema.CodeCompareSection, schema.FigureSection, schema.LabSection}


# ---------------------------------------------------------------- sources and house rules

def test_the_shipped_lessons_follow_every_house_rule(course):
    """The rules `validate` applies to any lesson (engine/content/house_rules.py): every number
    cites a source, every reference is cited and arXiv papers are pinned, code parses, no
    placeholders. The shipped lessons pass them with no warning either."""
    lesson_files = {name for _, name in COURSE}
    assert [str(p) for p in course.warnings + course.problems if p.file.split("/")[-1] in lesson_files] == []


# ---------------------------------------------------------------- figures, lab, code

@pytest.mark.parametrize("lesson_id", MINE)
def test_figures_are_the_promised_ones(lessons, lesson_id):
    figures = [(s.name, s.params) for s in lessons[lesson_id].sections if isinstance(s, schema.FigureSection)]
    assert figures == FIGURES.get(lesson_id, [])
    for section in lessons[lesson_id].sections:
        if isinstance(section, schema.FigureSection):
            section.parsed_params()  # the widget's own model accepts them


def test_the_lab_section(lessons):
    labs = [s for s in lessons["hands-on-new-words"].sections if isinstance(s, schema.LabSection)]
    assert len(labs) == 1
    lab = labs[0]
    assert lab.settings == LabSettings()
    terms = [entry.term for entry in lab.glossary]
    assert 8 <= len(terms) <= 12
    assert len({t.lower() for t in terms}) == len(terms)
    for entry in lab.glossary:
        assert re.fullmatch(r"[A-Z][a-z]{3,11}", entry.term), entry.term  # one invented word
        assert len(entry.definition) <= 60 and entry.definition[0].islower(), entry.definition
        assert not entry.definition.endswith("."), entry.definition


def test_the_lab_glossary_is_the_lab_engines_default(lessons):
    """engine/lab/skill.py mirrors this glossary for the CLI and benchmarks; the two must agree."""
    from engine.lab.skill import DEFAULT_GLOSSARY

    lab = next(s for s in lessons["hands-on-new-words"].sections if isinstance(s, schema.LabSection))
    assert lab.glossary == DEFAULT_GLOSSARY


# ---------------------------------------------------------------- rendering

@pytest.mark.parametrize("lesson_id", MINE)
def test_lesson_page_renders(lessons, lesson_id):
    """The real app opens the lesson at /<id> with its title and first paragraph, and no exception."""
    from tests.apptest import open_page

    at = open_page(lesson_id)
    assert not at.exception
    assert [t.value for t in at.title] == [lessons[lesson_id].title]
    first = next(s for s in lessons[lesson_id].sections if isinstance(s, schema.MarkdownSection))
    assert any(first.body.strip().splitlines()[0] in m.value for m in at.markdown)
