"""Figures from the project's own runs (engine/content/results.py): read from stored results under
benchmarks/results/, so a benchmark rerun changes the text, and never typed into a lesson or quiz.

The rule (issue 20): any number in a lesson or quiz that comes from our own runs (lab timings,
measured memory, skill scores) is read from a stored result, or checked against one by a test.
"""

from __future__ import annotations

import importlib.util
import inspect
import json

import pytest

from engine.content import results
from engine.content.loader import load_course
from tests.conftest import ROOT
from tests.content.conftest import section_titled

LESSON = """id: stored-figures
title: "Stored figures"
summary: "A lesson that quotes a stored result."
order: 994
estimated_minutes: 5
references:
  - id: bench
    title: "A stored result"
    result: {result}
  - id: paper
    title: "A paper"
sections:
  - type: markdown
    cite: [{cite}]
    body: |
      {body}
"""


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """benchmarks/results/ in a temporary folder, with one result, `bench.json`."""
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path / "results")
    (tmp_path / "results").mkdir()

    def write(figures: dict, name: str = "bench") -> None:
        (tmp_path / "results" / f"{name}.json").write_text(json.dumps({"figures": figures}), encoding="utf-8")

    write({"peak_gib": 2.1603, "seconds": 32.8, "share": 0.1138, "batch": 1})
    return write


def lesson_problems(tmp_path, body: str, *, cite: str = "bench", result: str = "bench"):
    path = tmp_path / "lesson.yaml"
    path.write_text(LESSON.format(body=body, cite=cite, result=result), encoding="utf-8")
    course = load_course(lesson_files=[path], quiz_files=[])
    return [f"{p.line}:{p.path}: {p.message}" for p in course.problems], course


def test_fill_formats_a_stored_figure(stored):
    assert results.fill("{result:bench.peak_gib:.2f} GiB in {result:bench.seconds:.0f} s") == ("2.16 GiB in 33 s", [])
    assert results.fill("within {result:bench.share:.0%}, batch {result:bench.batch}")[0] == "within 11%, batch 1"


@pytest.mark.parametrize("placeholder, why", [
    ("{result:nowhere.peak_gib}", "no stored result benchmarks/results/nowhere.json"),
    ("{result:bench.peak}", "has no figure 'peak' (it has: batch, peak_gib, seconds, share)"),
    ("{result:bench.peak_gib:.100f}", "format '.100f' is not one of"),
    ("{result:bench}", "write {result:NAME.KEY}"),
])
def test_fill_leaves_what_it_cannot_fill_and_says_why(stored, placeholder, why):
    text, messages = results.fill(f"about {placeholder} here")
    assert text == f"about {placeholder} here" and len(messages) == 1 and why in messages[0]


def test_a_lesson_shows_the_stored_figure_and_follows_a_rerun(stored, tmp_path):
    problems, course = lesson_problems(tmp_path, "The project measured {result:bench.peak_gib:.2f} GiB.")
    assert problems == []
    assert course.lessons[0].sections[0].body.strip() == "The project measured 2.16 GiB."
    stored({"peak_gib": 0.31, "seconds": 30.0, "share": 0.1, "batch": 1})  # the benchmark ran again
    _, course = lesson_problems(tmp_path, "The project measured {result:bench.peak_gib:.2f} GiB.")
    assert course.lessons[0].sections[0].body.strip() == "The project measured 0.31 GiB."


def test_a_missing_figure_is_an_error_at_its_line(stored, tmp_path):
    problems, _ = lesson_problems(tmp_path, "The project measured {result:bench.gone:.2f} GiB.")
    assert any(p.startswith("15:sections[0].body") and "has no figure 'gone'" in p for p in problems), problems


@pytest.mark.parametrize("body, cite, want", [
    # a typed figure in a section whose source is a stored result
    ("It peaked at 2.16 GiB on two cores, well within budget.", "bench", "read it with {result:NAME.KEY}"),
    ("It took 33 s in all.", "bench, paper", "states 33 s in a section whose source is a stored result"),
    # a typed figure that the sentence says the project measured, whatever the section cites
    ("On a laptop we measured 2.16 GiB for full fine-tuning.", "paper", "as measured by this project"),
    ("The lab has measured 11% more than predicted.", "paper", "as measured by this project"),
    # a placeholder in a section that does not cite the result it reads
    ("The project measured {result:bench.peak_gib:.2f} GiB.", "paper", "cites no reference with `result: bench`"),
])
def test_typed_own_run_figures_are_refused(stored, tmp_path, body, cite, want):
    problems, _ = lesson_problems(tmp_path, body, cite=cite)
    assert any(want in p for p in problems), problems


def test_figures_from_papers_and_code_are_not_own_run_figures(stored, tmp_path):
    problems, _ = lesson_problems(tmp_path, "The QLoRA paper measured 567 MB of input gradients; `2.16 GiB` is code.",
                                  cite="paper")
    assert problems == []


def test_a_quiz_may_not_type_a_figure_the_project_measured(stored, tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text("""id: typed
title: Typed
questions:
  - id: q
    type: numeric
    prompt: "The project measured 2.16 GiB for full fine-tuning. How many GB is 2 GB?"
    answer: "2"
    solution: {steps: ["2."], final_answer: "2"}
""", encoding="utf-8")
    problems = load_course(lesson_files=[], quiz_files=[path]).problems
    assert any("as measured by this project" in p.message and p.path == "questions[0].prompt" for p in problems)


# ---------------------------------------------------------------- the shipped course and its stored results

def test_the_shipped_course_types_no_own_run_figure():
    """Every lesson and quiz passes the rule (it is part of `validate`)."""
    problems = [str(p) for p in load_course().problems]
    assert not [p for p in problems if "stored result" in p or "measured by this project" in p]


def test_lesson6_memory_at_scale_reads_the_stored_run_at_the_buttons_settings(lessons):
    """The figures are the stored run's, that run used the Lab button's settings, and its
    figures are its rows' (so the file was written by the benchmark, not edited by hand)."""
    from engine.lab.memory_scale import DEFAULT_PRESET, run_memory_scale

    stored = json.loads((ROOT / "benchmarks" / "results" / "memory_scale.json").read_text(encoding="utf-8"))
    figures, run = stored["figures"], stored["result"]
    button = {k: v.default for k, v in inspect.signature(run_memory_scale).parameters.items()}
    assert run["model"] == DEFAULT_PRESET and run["device"] == figures["device"] == "cpu"  # "a ...-core CPU in fp32"
    rows = {row["method"]: row for row in run["rows"]}
    for row in rows.values():
        assert (row["batch_size"], row["seq_len"], row["rank"]) == (button["batch_size"], button["seq_len"], button["rank"])
    for method in ("full", "lora", "qlora"):
        assert figures[f"{method}_gib"] == rows[method]["measured_peak"] / 2**30
    assert figures["max_deviation"] == max(abs(row["ratio_peak"] - 1) for row in rows.values())
    assert (figures["batch_size"], figures["seq_len"]) == (button["batch_size"], button["seq_len"])

    section = section_titled(lessons["hands-on-new-words"], "Memory at scale")
    body = " ".join(section.body.split())
    quoted = [f"{figures[f'{m}_gib']:.2f}" for m in ("full", "lora", "qlora")]
    assert f"measured {quoted[0]}, {quoted[1]} and {quoted[2]} GiB" in body
    assert f"batch {figures['batch_size']}, {figures['seq_len']} tokens" in body
    assert f"within {figures['max_deviation']:.0%} of the prediction" in body
    assert f"{figures['seconds']:.0f} s for all three" in body
    raw = (ROOT / "lessons" / "06-hands-on-new-words.yaml").read_text(encoding="utf-8")
    assert "{result:memory_scale.full_gib:.2f}" in raw and "2.16" not in raw  # read, not typed


def test_the_benchmark_writes_the_figures_the_lesson_reads(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_lab", ROOT / "benchmarks" / "lab.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "MEMORY_SCALE_RESULT", tmp_path / "memory_scale.json")
    row = {"batch_size": 1, "seq_len": 64, "rank": 16, "layers": 12}
    scale = {"device": "cpu", "how": "two steps", "process_seconds": 31.5, "rows": [
        row | {"method": m, "measured_peak": peak * 2**30, "predicted_peak": peak * 2**30 / ratio, "ratio_peak": ratio}
        for m, peak, ratio in (("full", 2.0, 1.1), ("lora", 0.5, 1.05), ("qlora", 0.25, 0.9))]}
    stored = json.loads(bench.store_memory_scale(scale).read_text(encoding="utf-8"))
    assert stored["result"] == scale and stored["command"] == "python benchmarks/lab.py --only-memory"
    assert stored["figures"]["full_gib"] == 2.0 and stored["figures"]["qlora_gib"] == 0.25
    assert stored["figures"]["max_deviation"] == pytest.approx(0.1) and stored["figures"]["seconds"] == 31.5
    lesson = (ROOT / "lessons" / "06-hands-on-new-words.yaml").read_text(encoding="utf-8")
    assert set(results.PLACEHOLDER.findall(lesson)) and all(
        key.split(":")[0].split(".")[1] in stored["figures"] for key in results.PLACEHOLDER.findall(lesson))
