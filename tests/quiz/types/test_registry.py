"""engine/quiz/types/__init__.py: one module per question type, found through the registry; nothing
outside it asks which type a question is (issue 17, item 5)."""

import re

from engine.quiz.schema import QUESTION_TYPES
from engine.quiz.types import TYPES, QuestionType, type_of
from tests.conftest import ROOT
from tests.quiz_helpers import seed_question

# `question.type == "choice"`, `q.type != ...`, `.type in (...)`: a branch on the type.
TYPE_BRANCH = re.compile(r"\.type\s*(==|!=|\bin\b|\bnot in\b)|\btype\s*==\s*[\"'](choice|numeric|code_output|fix_expression|worked)")


def test_every_schema_type_has_its_module_and_nothing_else():
    assert set(TYPES) == set(QUESTION_TYPES)
    for name, kind in TYPES.items():
        assert isinstance(kind, QuestionType) and kind.name == name
        assert type(kind).__module__ == f"engine.quiz.types.{name}"


def test_type_of_finds_the_questions_type():
    assert type_of(seed_question("q3-worked")) is TYPES["worked"]


def test_no_branch_on_the_question_type_outside_the_registry():
    offenders = []
    for path in sorted(ROOT.glob("engine/**/*.py")) + sorted(ROOT.glob("ui/**/*.py")):
        if path.is_relative_to(ROOT / "engine" / "quiz" / "types"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TYPE_BRANCH.search(line) and "tok.type" not in line and "section" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_check_sees_a_planted_branch():
    assert TYPE_BRANCH.search('    if question.type == "choice":')
    assert TYPE_BRANCH.search("    if q.type in ('choice', 'numeric'):")
