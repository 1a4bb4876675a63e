"""`python -m engine export --format qti3 [QUIZ_FILE ... | --all] -o course-qti.zip [--variants N]`.

Writes a QTI 3.0 content package (engine/export/) and prints its summary: how many
questions and items, and every question that is for manual scoring, left out, or scored
only in part (a worked question's final result), with why. Quizzes that do not load are
listed as `validate` lists them, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Export quizzes for an LMS: a QTI 3.0 package (imsmanifest.xml, items, one test per quiz)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="quiz files or folders (or --all)")
    parser.add_argument("--all", action="store_true", help="every quiz in quizzes/")
    parser.add_argument("--format", choices=["qti3"], default="qti3", help="the package format (default qti3)")
    parser.add_argument("-o", "--output", type=Path, default=Path("course-qti.zip"),
                        help="the zip to write (default course-qti.zip)")
    parser.add_argument("--variants", type=int, default=5,
                        help="pre-drawn variants per question with params, as a pool (default 5, at most 50)")


def run(args: argparse.Namespace) -> int:
    from engine.content.loader import QUIZ_DIR, load_course, yaml_files
    from engine.export.qti_package import MAX_VARIANTS, export_qti

    if bool(args.paths) == args.all:
        return _error("give quiz files or folders, or --all (not both)")
    if not 1 <= args.variants <= MAX_VARIANTS:
        return _error(f"--variants must be between 1 and {MAX_VARIANTS}, not {args.variants}")
    files = []
    for path in [QUIZ_DIR] if args.all else args.paths:
        if path.is_dir():
            files += yaml_files(path)
        elif path.is_file():
            files.append(path)
        else:
            return _error(f"{path}: no such file or folder")
    course = load_course(lesson_files=[], quiz_files=files)
    if course.problems:
        for problem in course.problems:
            print(problem, file=sys.stderr)
        return _error(f"{len({p.file for p in course.problems})} quiz file(s) have errors; nothing was written")
    if not course.quizzes:
        return _error("no quizzes to export")
    result = export_qti(list(course.quizzes.values()), variants=args.variants)
    try:
        args.output.write_bytes(result.data)
    except OSError as exc:
        return _error(f"{args.output}: cannot write the package ({exc.strerror or exc})")
    print("\n".join(result.summary_lines()))
    print(f"wrote {args.output} ({len(result.data):,} bytes, QTI 3.0)")
    return 0


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
