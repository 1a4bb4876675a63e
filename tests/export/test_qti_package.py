"""engine/export/qti_package.py: every shipped quiz exports, every file passes 1EdTech's QTI 3.0 schemas,
variants are the engine's own, and the summary says what is scored by a person and why."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from engine.content.loader import load_course
from engine.export.names import CP_NS, QTI_NS
from engine.export.qti_package import DEFAULT_VARIANTS, export_qti
from engine.quiz.answer_key import variant_for
from engine.quiz.constraints import satisfied
from tests.export.schema import problems
from tests.quiz_helpers import quiz_from_yaml, shipped

Q = f"{{{QTI_NS}}}"


@pytest.fixture(scope="module")
def course():
    course = load_course()
    assert course.quizzes and not course.problems
    return course


@pytest.fixture(scope="module")
def export(course):
    return export_qti(list(course.quizzes.values()))


def xml(export, path: str) -> ET.Element:
    return ET.fromstring(export.files[path])


def test_every_shipped_quiz_exports_and_every_file_passes_the_qti3_schemas(course, export):
    questions = [(quiz.id, q.id) for quiz in course.quizzes.values() for q in quiz.questions]
    assert [(e.quiz, e.question) for e in export.questions] == questions
    assert {e.status for e in export.questions} <= {"scored", "manual"}  # nothing left out
    errors = [p for path, data in export.files.items() for p in problems(path, data)]
    assert errors == []
    assert sum(path.startswith("items/") for path in export.files) == sum(e.variants for e in export.questions)
    assert {f"test-{quiz}.xml" for quiz in course.quizzes} <= set(export.files)


def test_the_schema_check_fails_a_broken_item(export):
    """The check bites: an item without its identifier, or with an element QTI does not have, is refused."""
    path = next(p for p in export.files if p.startswith("items/"))
    no_id = export.files[path].replace(b' identifier="Q.', b' label="Q.', 1)
    assert any("identifier" in p for p in problems(path, no_id))
    stray = export.files[path].replace(b"<qti-item-body>", b"<qti-item-body><blink>hi</blink>", 1)
    assert problems(path, stray)


def test_no_data_attributes_so_the_profile_schema_speaks_for_the_base_one(export):
    """tests/export/xsd/README.md: the vendored ASI schema is 1EdTech's SBAC profile, which differs from the
    base schema only in data-* attributes; with none written, valid there means valid in the base."""
    for path, data in export.files.items():
        assert b" data-" not in data, path


def test_the_zip_holds_the_manifest_first_and_every_file_it_lists(export):
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    names = archive.namelist()
    assert names[0] == "imsmanifest.xml" and set(names) == set(export.files)
    manifest = xml(export, "imsmanifest.xml")
    hrefs = {r.get("href") for r in manifest.iter(f"{{{CP_NS}}}resource")}
    assert hrefs == set(export.files) - {"imsmanifest.xml"}
    idents = {r.get("identifier") for r in manifest.iter(f"{{{CP_NS}}}resource")}
    assert {d.get("identifierref") for d in manifest.iter(f"{{{CP_NS}}}dependency")} <= idents


def test_an_export_is_the_same_bytes_every_time(course, export):
    assert export_qti(list(course.quizzes.values())).data == export.data


def test_a_parameterised_question_is_a_pool_of_the_engines_own_variants(export):
    question = shipped("seed").question("q3-printed-output")
    paths = sorted(p for p in export.files if p.startswith("items/seed/q3-printed-output-"))
    assert len(paths) == DEFAULT_VARIANTS
    keys, seen = [], set()
    for path in paths:
        item = xml(export, path)
        code = item.find(f".//{Q}pre/{Q}code").text
        values = {line.split(" = ")[0]: float(line.split(" = ")[1].split()[0]) for line in code.splitlines()[:3]}
        seen.add(tuple(sorted(values.items())))
        assert satisfied(question, values)  # the question's constraints hold on every exported variant
        keys.append(item.find(f".//{Q}qti-correct-response/{Q}qti-value").text)
    assert len(seen) == DEFAULT_VARIANTS  # all different numbers
    assert keys[0] == variant_for(question, 0)[1].shown == "252"  # the first is the default variant
    test = xml(export, "test-seed.xml")
    pools = [s for s in test.iter(f"{Q}qti-assessment-section") if s.find(f"{Q}qti-selection") is not None]
    q3_pool = next(s for s in pools if "q3-printed-output" in s.find(f"{Q}qti-assessment-item-ref").get("href"))
    assert q3_pool.find(f"{Q}qti-selection").get("select") == "1"
    assert len(q3_pool.findall(f"{Q}qti-assessment-item-ref")) == DEFAULT_VARIANTS


def test_a_question_without_params_is_one_item(export):
    assert [p for p in export.files if p.startswith("items/seed/q1-lora-purpose-")] == ["items/seed/q1-lora-purpose-1.xml"]


def test_the_summary_names_manual_scoring_and_what_stays_in_the_app(export):
    lines = export.summary_lines()
    assert lines[0].startswith(f"{len(export.questions)} questions, ")
    manual = [line for line in lines[1:] if "for manual scoring" in line]
    assert len(manual) == sum(e.type == "fix_expression" for e in export.questions) > 0
    assert all("cannot score whether two expressions are equivalent" in line for line in manual)
    worked = [line for line in lines if "(worked)" in line]
    assert worked and all("only the final result is scored" in line for line in worked)


def test_a_question_whose_variant_cannot_be_computed_is_left_out_with_the_reason():
    quiz = quiz_from_yaml("""
id: broken
title: Broken
questions:
  - id: divides-by-zero
    type: numeric
    prompt: "x?"
    params: {x: {default: 0, min: 0, max: 3}}
    answer: "1 / x"
    solution: {steps: ["1 / x"], final_answer: "?"}
  - id: fine
    type: numeric
    prompt: "2?"
    answer: "2"
    solution: {steps: ["2"], final_answer: "2"}
""")
    result = export_qti([quiz], variants=2)
    left = [e for e in result.questions if e.status == "left out"]
    assert [e.question for e in left] == ["divides-by-zero"] and "could not be computed" in left[0].reason
    assert "broken/divides-by-zero (numeric): left out: " in "\n".join(result.summary_lines())
    assert [p for p in result.files if p.startswith("items/")] == ["items/broken/fine-1.xml"]
    assert all(problems(p, d) == [] for p, d in result.files.items())


@pytest.mark.parametrize("variants", [0, 51])
def test_variants_out_of_range_are_refused(course, variants):
    with pytest.raises(ValueError, match="variants must be between 1 and 50"):
        export_qti(list(course.quizzes.values()), variants=variants)
