"""`python -m engine validate [PATH ...] [--strict]`: check lesson and quiz files, one line per problem.

Errors (a file or section that cannot be served as written, or a house rule that
must hold) print as `file:line:col: key.path: message` and make the command exit 1.
Warnings (house rules a lesson should follow, engine/content/house_rules.py) print as
`file:line:col: warning: key.path: message`; they fail the command only with --strict.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HELP = "Validate lessons and quizzes; prints file:line:col: message per problem, exits 1 on any error."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="YAML files or folders (default: lessons/ and quizzes/)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")


def _is_quiz(path: Path) -> bool:
    """Quizzes live in a quizzes/ folder, or have a top-level `questions:` key."""
    if path.parent.name == "quizzes":
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(1_000_000)  # no more than the loader would read (yaml_reader.MAX_BYTES)
    except OSError:
        return False
    return any(line.startswith(b"questions:") for line in head.splitlines())


def _wanted(paths: list[Path], yaml_files) -> list[Path] | str:
    wanted: list[Path] = []
    for path in paths:
        if path.is_dir():
            wanted += yaml_files(path)
        elif path.exists():
            wanted.append(path)
        else:
            return f"{path}: no such file or folder"
    return wanted


def run(args: argparse.Namespace) -> int:
    try:
        return _validate(args)
    except BrokenPipeError:  # `validate | head`: the reader left; stop quietly, as grep does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _validate(args: argparse.Namespace) -> int:
    from engine.content.loader import LESSON_DIR, QUIZ_DIR, load_course, yaml_files
    from engine.practice.checks import PRACTICE_DIR, practice_problems  # skills.yaml, lab-run.yaml, skills
    from engine.quiz.validation import checking_every_variant

    wanted = _wanted(args.paths or [LESSON_DIR, QUIZ_DIR, PRACTICE_DIR], yaml_files)
    if isinstance(wanted, str):
        print(wanted)
        return 1
    practice = [p for p in wanted if p.parent.name == "practice"]  # skills.yaml, lab-run.yaml
    quizzes = [p for p in wanted if _is_quiz(p) and p not in practice]
    lessons = [p for p in wanted if p not in quizzes and p not in practice]
    # Other shipped files stay loaded so that cross-references resolve; only the asked-for files are reported.
    with checking_every_variant():  # the app's loader checks a sample; here every variant (docs/authoring.md)
        course = load_course(
            lesson_files=_union(yaml_files(LESSON_DIR), lessons),
            quiz_files=_union(yaml_files(QUIZ_DIR), quizzes),
        )
    asked = {p.resolve() for p in wanted}
    errors = [p for p in course.problems + practice_problems(course) if Path(p.file).resolve() in asked]
    warnings = [p for p in course.warnings if Path(p.file).resolve() in asked]
    for problem in sorted(errors + warnings, key=lambda p: (p.file, p.line, p.col)):
        print(problem)
    summary = f"{len(warnings)} warning(s)" if warnings else ""
    if errors:
        print(f"{len(errors)} error(s) in {len({p.file for p in errors})} file(s)" + (f", {summary}" if summary else ""))
        return 1
    n_questions = sum(len(q.questions) for q in course.quizzes.values() if course.quiz_files[q.id].resolve() in asked)
    print(f"OK: {len(lessons)} lesson file(s) and {len(quizzes)} quiz file(s) ({n_questions} questions) are valid"
          + (f"; {len(practice)} practice file(s) too" if practice else "")
          + (f"; {summary}" if summary else ""))
    return 1 if warnings and args.strict else 0


def _union(base: list[Path], extra: list[Path]) -> list[Path]:
    seen = {p.resolve() for p in base}
    return base + [p for p in extra if p.resolve() not in seen]
