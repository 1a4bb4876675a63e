"""`python -m engine validate [PATH ...]`: check lesson and quiz files, one line per error."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Validate lessons and quizzes; prints file:line:col: message per error, exits 1 on any."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="YAML files or folders (default: lessons/ and quizzes/)")


def _is_quiz(path: Path) -> bool:
    """Quizzes live in a quizzes/ folder, or have a top-level `questions:` key."""
    if path.parent.name == "quizzes":
        return True
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("questions:") for line in text.splitlines())


def run(args: argparse.Namespace) -> int:
    from engine.content.loader import LESSON_DIR, QUIZ_DIR, load_course, yaml_files
    from engine.quiz.validation import checking_every_variant

    paths = args.paths or [LESSON_DIR, QUIZ_DIR]
    wanted: list[Path] = []
    for path in paths:
        if path.is_dir():
            wanted += yaml_files(path)
        elif path.exists():
            wanted.append(path)
        else:
            print(f"{path}: no such file or folder")
            return 1
    quizzes = [p for p in wanted if _is_quiz(p)]
    lessons = [p for p in wanted if p not in quizzes]
    # Other shipped files stay loaded so that cross-references resolve; only the asked-for files are reported.
    with checking_every_variant():  # the app's loader checks a sample; here every variant (docs/authoring.md)
        course = load_course(
            lesson_files=_union(yaml_files(LESSON_DIR), lessons),
            quiz_files=_union(yaml_files(QUIZ_DIR), quizzes),
        )
    asked = {p.resolve() for p in wanted}
    problems = [p for p in course.problems if Path(p.file).resolve() in asked]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} error(s) in {len({p.file for p in problems})} file(s)")
        return 1
    n_questions = sum(len(q.questions) for q in course.quizzes.values() if course.quiz_files[q.id].resolve() in asked)
    print(f"OK: {len(lessons)} lesson file(s) and {len(quizzes)} quiz file(s) ({n_questions} questions) are valid")
    return 0


def _union(base: list[Path], extra: list[Path]) -> list[Path]:
    seen = {p.resolve() for p in base}
    return base + [p for p in extra if p.resolve() not in seen]
