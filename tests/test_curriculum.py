"""The shipped curriculum (lessons/*.yaml): what must stay true of the course.

Issue 2, item 6: six lessons in order, each the next one's prerequisite; every
section that states a number cites a source; each lesson ends with its own quiz;
lessons 2-5 carry their figures and lesson 6 its lab. The worked numbers in the
text are recomputed here from first principles or from the engine
(engine/lora_math.py, engine/quant.py, engine/lab_config.py), so an edit that
breaks an example, or an engine change that contradicts the text, fails a test.
"""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from engine import schema
from engine.lab_config import LabSettings
from engine.loader import load_course

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

PROSE_TYPES = (schema.MarkdownSection, schema.KeyPointsSection, schema.CalloutSection, schema.RealWorldSection)
# Sections whose text is checked for numbers: prose, code notes and figure captions.
CHECKED_TYPES = PROSE_TYPES + (schema.CodeCompareSection, schema.FigureSection)


@pytest.fixture(scope="module")
def course():
    """The course as the app serves it: lessons and quizzes."""
    return load_course()


@pytest.fixture(scope="module")
def lessons():
    """The lessons alone, so content checks don't hang on the quiz files."""
    return {lesson.id: lesson for lesson in load_course(quiz_files=[]).lessons}


def prose(section) -> str:
    """The reader-facing text of a section whose facts need a source."""
    if isinstance(section, schema.KeyPointsSection):
        return "\n".join(section.points)
    if isinstance(section, schema.CodeCompareSection):
        return section.note or ""
    if isinstance(section, schema.FigureSection):
        return section.caption or ""
    return section.body


def text_of(lesson) -> str:
    """All checked text of a lesson on one line, with typographic minus signs made ASCII."""
    parts = [prose(s) for s in lesson.sections if isinstance(s, CHECKED_TYPES)]
    return " ".join(" ".join(parts).split()).replace("\u2212", "-")


def section_titled(lesson, title: str):
    return next(s for s in lesson.sections if s.title == title)


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


# ---------------------------------------------------------------- sources

# Digits that are not facts: "lesson 5", "section 4.1", "Table 5", "Figure 3", list numbering.
_NOT_FACTS = re.compile(r"```.*?```|`[^`]*`|\b(?:lesson|lessons|section|sections|table|figure)\s+\d+(?:\.\d+)?"
                        r"(?:\s+and\s+\d+(?:\.\d+)?)?|^\s*\d+\.\s", re.IGNORECASE | re.MULTILINE | re.DOTALL)


def stated_numbers(text: str) -> list[str]:
    """The digits of a text once code and pointers into sources are removed."""
    return re.findall(r"\d+", _NOT_FACTS.sub(" ", text))


def test_the_number_rule_ignores_pointers_but_not_facts():
    assert stated_numbers("See lesson 5 and section 4.1 (Table 5).\n1. `r=8` first") == []
    assert stated_numbers("A checkpoint of 350 GB") == ["350"]


@pytest.mark.parametrize("lesson_id", IDS)
def test_every_section_that_states_a_number_cites_a_source(lessons, lesson_id):
    lesson = lessons[lesson_id]
    uncited = [f"sections[{i}] {s.title!r}: {stated_numbers(prose(s))[:3]}"
               for i, s in enumerate(lesson.sections)
               if isinstance(s, CHECKED_TYPES)
               and stated_numbers(prose(s)) and not s.cite]
    assert uncited == []


@pytest.mark.parametrize("lesson_id", MINE)
def test_every_reference_is_cited_and_papers_are_pinned(lessons, lesson_id):
    lesson = lessons[lesson_id]
    cited = {c for s in lesson.sections for c in s.cite}
    assert {ref.id for ref in lesson.references} == cited
    for ref in lesson.references:
        if "arXiv:" in ref.title:
            number = ref.title.split("arXiv:")[1]
            assert ref.url == f"https://arxiv.org/abs/{number}"


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
    """engine/skill.py mirrors this glossary for the CLI and benchmarks; the two must agree."""
    from engine.skill import DEFAULT_GLOSSARY

    lab = next(s for s in lessons["hands-on-new-words"].sections if isinstance(s, schema.LabSection))
    assert lab.glossary == DEFAULT_GLOSSARY


def python_blocks(lesson):
    for section in lesson.sections:
        if isinstance(section, schema.CodeCompareSection):
            yield from (pane.code for pane in (section.left, section.right) if pane.language == "python")
        elif isinstance(section, schema.MarkdownSection):
            yield from re.findall(r"```python\n(.*?)```", section.body, re.DOTALL)


@pytest.mark.parametrize("lesson_id", MINE)
def test_code_shown_is_valid_python(lessons, lesson_id):
    blocks = list(python_blocks(lessons[lesson_id]))
    assert blocks
    for code in blocks:
        ast.parse(code)


@pytest.mark.parametrize("lesson_id", MINE)
def test_no_placeholder_text(lessons, lesson_id):
    for section in lessons[lesson_id].sections:
        if isinstance(section, (schema.MarkdownSection, schema.AnalogySection, schema.RealWorldSection)):
            assert len(section.body.split()) >= 40, section.title
            assert not re.search(r"\b(TODO|TBD|lorem|placeholder|coming soon)\b", section.body, re.IGNORECASE)


# ---------------------------------------------------------------- worked numbers

def grouped(n: int) -> str:
    return f"{n:,}"


def test_lesson2_parameter_counts(lessons):
    from engine.lora_math import full_share, lora_param_count

    text = text_of(lessons["lora-low-rank-update"])
    lora, full = lora_param_count(4096, 4096, 8), 4096 * 4096
    assert (lora, full) == (8 * (4096 + 4096), 16_777_216)
    for stated in (grouped(lora), grouped(full), f"{full_share(4096, 4096, 8):.2%}"):
        assert stated in text
    # GPT-3 175B (d_model 12288, 96 layers), r = 4 on W_q and W_v: "about 18 million".
    gpt3_budget = 96 * 2 * lora_param_count(12288, 12288, 4)
    assert 18e6 <= gpt3_budget < 19e6 and "about 18 million" in text


def test_lesson3_int8_worked_example_matches_numpy(lessons):
    lesson = lessons["number-formats-quantization"]
    body = section_titled(lesson, "Quantization: snap to a grid, remember the scale").body.replace("\u2212", "-")
    rows = [line.split("|")[1:-1] for line in body.splitlines() if re.match(r"^\|\s*-?\d", line)]
    weights = np.array([float(r[0]) for r in rows], dtype=np.float32)
    c = np.float32(127) / np.abs(weights).max()
    stored = np.round(weights * c)  # round half to even, as torch.round and numpy do
    restored = stored / c
    assert len(rows) == 4
    for row, q, w, back in zip(rows, stored, weights, restored):
        assert int(row[2]) == q
        assert float(row[3]) == pytest.approx(back, abs=5e-5)
        assert float(row[4]) == pytest.approx(abs(w - back), abs=5e-5)
    assert f"c = 127 / {abs(weights).max():g} ≈ {c:.2f}" in body


def test_lesson3_nf4_levels_match_bitsandbytes_table(lessons):
    from engine.quant import nf4_levels

    expected = [round(float(v), 4) for v in nf4_levels()]
    lesson = lessons["number-formats-quantization"]
    body = section_titled(lesson, "NormalFloat 4: sixteen levels where the weights are").body.replace("\u2212", "-")
    listed = [float(v) for v in re.findall(r"-?\d\.\d+", " ".join(re.findall(r"`([^`]*)`", body)))]
    assert listed == expected
    code = next(s for s in lesson.sections if isinstance(s, schema.CodeCompareSection)).right.code
    table = ast.literal_eval(re.search(r"np\.array\((\[.*?\])\)", code, re.DOTALL).group(1))
    assert table == expected
    assert sum(v < 0 for v in expected) == 7 and expected.count(0.0) == 1 and sum(v > 0 for v in expected) == 8


def test_lesson3_float_format_claims_hold_in_torch(lessons):
    torch = pytest.importorskip("torch")
    text = text_of(lessons["number-formats-quantization"])
    assert torch.finfo(torch.float16).max == 65504 and grouped(65504) in text
    assert torch.isinf(torch.tensor(70000.0).half())
    assert torch.tensor(70000.0).bfloat16().item() == 70144 and "`70144`" in text
    assert [torch.finfo(d).bits // 8 for d in (torch.float32, torch.float16, torch.bfloat16)] == [4, 2, 2]
    assert "7,000,000,000 × 2 = **14 GB**" in text


def test_lesson4_double_quantization_arithmetic(lessons):
    from engine.quant import bits_per_param

    text = text_of(lessons["qlora"])
    constants = 8 / 64 + 32 / (64 * 256)
    assert f"{constants:.3f}" == "0.127" and "0.127" in text
    assert f"{0.5 - constants:.3f}" == "0.373" and "0.373" in text
    assert bits_per_param(64, double_quant=True) == pytest.approx(4 + constants)
    assert bits_per_param(64, double_quant=False) == pytest.approx(4.5)
    assert round(65e9 * (0.5 - constants) / 8 / 1e9) == 3 and "about **3 GB for a 65B model**" in text
    assert f"**{65e9 * bits_per_param(64, double_quant=True) / 8 / 1e9:.1f} GB**" == "**33.5 GB**"
    assert "**33.5 GB**" in text and f"**{65e9 * 2 / 1e9:.0f} GB**" in text


def test_the_memory_figures_agree_with_the_text():
    """The calculators lessons 4 and 5 show must not contradict what the lessons say."""
    memory = pytest.importorskip("engine.memory", reason="engine/memory.py (the calculator) is not there")
    setup = {"batch_size": 1, "seq_len": 512}
    assert memory.estimate_preset("llama-65b", method="qlora", **setup).fits(48) >= 0  # one 48 GB GPU
    assert memory.estimate_preset("llama-65b", method="full", **setup).total > 780e9  # "more than 780 GB"
    full_7b = memory.estimate_preset("llama-7b", method="full", **setup)
    assert full_7b.states == pytest.approx(18 * full_7b.n_params, rel=0.01)  # 18 bytes/param


def test_lesson5_memory_budget(lessons):
    from engine.quant import bits_per_param

    text = text_of(lessons["where-memory-goes"])
    per_param = (4 + 2) + 4 + 2 * 4  # weights (fp32 + 16-bit), fp32 grads, two fp32 AdamW states
    assert per_param == 18 and "**18**" in text
    assert f"= **{7e9 * per_param / 1e9:.0f} GB**" in text
    adapters_gb = 7e9 * 0.002 * 16 / 1e9  # 0.2% of the model, fp32 + grads + AdamW
    assert f"{adapters_gb:.2f} GB" in text
    assert f"**≈ {14 + adapters_gb:.1f} GB**" in text
    assert f"**≈ {7e9 * bits_per_param(64, double_quant=True) / 8 / 1e9 + adapters_gb:.1f} GB**" in text


def test_lesson6_text_matches_the_lab_settings(lessons):
    from engine.lora_math import full_share

    text = text_of(lessons["hands-on-new-words"])
    s = LabSettings()
    for stated in (f"rank **{s.rank}**", f"alpha **{s.alpha:g}**", f"**{s.learning_rate:g}**",
                   f"**{s.steps}** steps", f"batches of **{s.batch_size}**", f"**{s.seq_len}** tokens"):
        assert stated in text
    assert all(f"`{m}`" in text for m in s.target_modules)
    assert f"rank {_bound('rank', 'ge')} to {_bound('rank', 'le')}" in text
    assert f"at most {_bound('steps', 'le')} steps" in text
    assert f"{full_share(256, 256, 8):.2%}" in text and f"{full_share(4096, 4096, 8):.2%}" in text


def _bound(field: str, kind: str) -> int:
    """A bound ('ge' or 'le') of a LabSettings field, as pydantic stores it."""
    return next(getattr(m, kind) for m in LabSettings.model_fields[field].metadata if hasattr(m, kind))


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
