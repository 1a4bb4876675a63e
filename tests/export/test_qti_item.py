"""engine/export/qti_item.py and markup.py: how each portable shape is written as a QTI 3.0 item."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from engine.export.names import QTI_NS
from engine.export.qti_item import assessment_item
from engine.quiz.answer_key import variant_for
from engine.quiz.types import type_of
from engine.quiz.portable import Choices, Number, Option, Text
from tests.export.schema import problems
from tests.quiz_helpers import quiz_from_yaml, shipped

Q = f"{{{QTI_NS}}}"


def item_xml(portable, ident="Q.t.x.1") -> ET.Element:
    data = assessment_item(portable, ident=ident, title="t")
    assert problems("item.xml", data) == []
    return ET.fromstring(data)


def of(question) -> ET.Element:
    return item_xml(type_of(question).portable(question, *variant_for(question, 0)))


def test_multiple_response_gives_partial_credit_as_the_engine_does():
    item = of(shipped("qlora").question("qlora-bnb-config"))  # three right options of five
    mapping = item.find(f".//{Q}qti-mapping")
    assert (mapping.get("lower-bound"), mapping.get("upper-bound")) == ("0", "1")
    values = {e.get("map-key"): float(e.get("mapped-value")) for e in mapping}
    right = [v.text for v in item.find(f".//{Q}qti-correct-response")]
    assert all(values[k] == 1 / 3 for k in right) and all(values[k] == -1 / 3 for k in values if k not in right)
    assert item.find(f".//{Q}qti-choice-interaction").get("max-choices") == "0"
    assert item.find(f".//{Q}qti-response-processing//{Q}qti-map-response") is not None


def test_shuffle_with_a_pinned_option_fixed():
    quiz = quiz_from_yaml("""
id: pin
title: Pin
questions:
  - id: all-above
    type: choice
    prompt: "Which?"
    options:
      - {text: "One", correct: true, feedback: "yes"}
      - {text: "Two", feedback: "no"}
      - {text: "All of the above", feedback: "no", pinned: true}
    solution: {steps: ["One."], final_answer: "One"}
""")
    interaction = of(quiz.questions[0]).find(f".//{Q}qti-choice-interaction")
    assert interaction.get("shuffle") == "true"
    assert [c.get("fixed") for c in interaction] == [None, None, "true"]


def test_each_option_has_inline_feedback_each_slip_a_modal_and_every_item_its_solution():
    item = of(shipped("seed").question("q1-lora-purpose"))
    inline = {f.get("identifier"): "".join(f.itertext()) for f in item.iter(f"{Q}qti-feedback-inline")}
    assert set(inline) == {"A", "B", "C", "D"}
    assert "Common mistake: Thinking LoRA replaces the whole model" in inline["A"]
    assert inline["B"].strip().startswith("Right:")
    solution = item.find(f".//{Q}qti-feedback-block")
    assert (solution.get("outcome-identifier"), solution.get("identifier")) == ("SOLUTION", "SOLUTION")
    assert "Final answer:" in "".join(solution.itertext())
    number = of(shipped("where-memory-goes").question("full-finetune-gb"))
    modals = {f.get("identifier") for f in number.findall(f"{Q}qti-modal-feedback")}
    assert {"MISTAKE.weights-only", "MISTAKE.bits_for_bytes"} <= modals


def test_a_number_is_right_within_its_range_and_an_empty_answer_never_is():
    item = item_xml(Number(prompt="How many?", key=0.0, low=-0.5, high=0.5, unit="GB"))
    condition = item.find(f".//{Q}qti-response-if/{Q}qti-and")
    assert condition[0].tag == f"{Q}qti-not" and condition[0][0].tag == f"{Q}qti-is-null"
    assert [(c.tag.split("}")[1], c[1].text) for c in condition[1:]] == [("qti-gte", "-0.5"), ("qti-lte", "0.5")]
    assert "in GB" in "".join(item.find(f"{Q}qti-item-body").itertext())


def test_a_multiline_text_gets_a_text_area():
    item = item_xml(Text(prompt="What prints?", answers=("a\nb",), multiline=True))
    assert item.find(f".//{Q}qti-extended-text-interaction") is not None


def test_fix_expression_is_scored_by_a_person_with_the_rubric_for_scorers_only():
    item = of(shipped("seed").question("q4-fix-precedence"))
    score = next(o for o in item.findall(f"{Q}qti-outcome-declaration") if o.get("identifier") == "SCORE")
    assert score.get("external-scored") == "human"
    assert item.find(f"{Q}qti-response-processing") is None
    rubric = item.find(f".//{Q}qti-rubric-block")
    assert rubric.get("view") == "scorer" and "(model_size + lora_size) * quantization_factor" in "".join(rubric.itertext())
    assert item.find(f".//{Q}qti-extended-text-interaction") is not None


def test_markdown_becomes_elements_and_markup_in_text_stays_text():
    item = item_xml(Choices(prompt="Is `a < b` **really** *true*? <script>x</script>\n\nSecond.",
                            options=(Option("yes", True, "ok"), Option("no", False, "no"))))
    paragraphs = item.find(f"{Q}qti-item-body/{Q}div").findall(f"{Q}p")
    assert len(paragraphs) == 2
    first = paragraphs[0]
    assert [(c.tag.split("}")[1], c.text) for c in first] == [("code", "a < b"), ("strong", "really"), ("em", "true")]
    assert "<script>x</script>" in "".join(first.itertext()) and first.find(f".//{Q}script") is None


def test_a_snippet_keeps_its_lines_and_indentation():
    item = of(shipped("seed").question("q3-printed-output"))
    code = item.find(f".//{Q}pre/{Q}code").text
    assert code.splitlines()[0] == "model_size = 1000  # in MB" and code.endswith("print(qlora_model_size)")
    assert item.find(f".//{Q}pre").text is None  # no indentation whitespace added inside <pre>
