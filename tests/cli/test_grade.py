"""`python -m engine grade`: prints what a learner gets; bad input is a clear message and a non-zero exit."""

import json
import subprocess
import sys

from engine.__main__ import main
from tests.conftest import ROOT

SEED = "quizzes/seed.yaml"


def test_grade_prints_score_and_named_mistake(capsys):
    assert main(["grade", SEED, "q3-printed-output", "253"]) == 0
    out = capsys.readouterr().out
    assert "score: 0" in out and "correct: no" in out and "mistake: rounding" in out


def test_grade_json_is_the_grade_result(capsys):
    assert main(["grade", SEED, "q3-printed-output", "252", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["correct"] is True and data["score"] == 1 and data["mistake_id"] is None


def test_grade_worked_lines_and_step_marks(capsys):
    assert main(["grade", SEED, "q3-worked", r"lora_model_size = 1000 + 10 = 1010\nint(1010 * 0.25) = 253"]) == 0
    out = capsys.readouterr().out
    assert "step 1: right" in out and "step 2: wrong" in out


def test_grade_other_seed(capsys):
    assert main(["grade", SEED, "q3-printed-output", "252", "--seed", "5"]) == 0
    assert "correct: no" in capsys.readouterr().out


def test_format_error_costs_nothing_and_exits_2(capsys):
    assert main(["grade", SEED, "q3-printed-output", "twelve"]) == 2
    assert "format error (no attempt used)" in capsys.readouterr().out


def test_bad_input_is_a_clear_message(capsys, tmp_path):
    assert main(["grade", SEED, "no-such-question", "1"]) == 1
    assert "has no question 'no-such-question'" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "missing.yaml"), "q", "1"]) == 1
    assert "no such quiz file" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: X\nquestions: [{id: a, type: quizz}]\n", encoding="utf-8")
    assert main(["grade", str(broken), "a", "1"]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:3:" in err and "could not be loaded" in err
    assert main(["grade", SEED, "q3-printed-output", "1", "--seed", "-1"]) == 1


def test_real_command_line():
    run = subprocess.run([sys.executable, "-m", "engine", "grade", SEED, "q4-fix-precedence", "246"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "hard-coded" in run.stdout and "Traceback" not in run.stderr


def test_a_negative_answer_needs_no_double_dash(capsys):
    for answer in ("-5", "-1e3", "-.5", "-5 MB"):
        assert main(["grade", "quizzes/where-memory-goes.yaml", "full-finetune-gb", answer]) == 0, answer
        assert "correct: no" in capsys.readouterr().out


def test_huge_answers_get_a_grade_or_a_format_message_never_a_traceback():
    # Issue 14, finding 2, as reported: each of these raised OverflowError.
    cases = [("quizzes/seed.yaml", "q3-printed-output", "9" * 331),
             ("quizzes/seed.yaml", "q4-fix-precedence", "model_size ** 200"),
             ("quizzes/seed.yaml", "q3-worked", "x = 10**400 = 1"),
             ("quizzes/where-memory-goes.yaml", "full-finetune-gb", "9" * 400 + " GB")]
    for quiz, question, answer in cases:
        run = subprocess.run([sys.executable, "-m", "engine", "grade", quiz, question, answer],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert run.returncode in (0, 2) and "Traceback" not in run.stderr, (answer[:20], run.stderr[-300:])
        assert "score:" in run.stdout or "format error" in run.stdout


def test_piping_to_head_prints_no_broken_pipe_traceback():
    run = subprocess.run(f"{sys.executable} -m engine preview quizzes/seed.yaml | head -1", shell=True,
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.stdout.startswith("== q1-lora-purpose") and "Traceback" not in run.stderr
    # Deterministic: the reader is gone before the first byte is written.
    proc = subprocess.Popen([sys.executable, "-m", "engine", "preview", "quizzes/seed.yaml"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.communicate(timeout=60)[1].decode()
    assert "BrokenPipe" not in err and "Traceback" not in err, err[-500:]
