"""Load lessons and quizzes from YAML, with errors that say file:line:col and the key.

1. Read and parse each file within limits (engine/content/yaml_reader.py: size,
   depth, aliases; libyaml's C parser), keeping the line and column of every key.
2. Refuse links and images that are not allowed (engine/content/markup.py), in every
   string but code, so they never render; fill in figures from the project's own runs from
   their stored results (`{result:NAME.KEY}`, engine/content/results.py).
3. Validate with the pydantic models (engine/content/schema.py, engine/quiz/schema.py);
   each pydantic error's `loc` is walked back through the marked data to a
   position, e.g. `lessons/02-lora.yaml:14:5: sections[2].type: unknown section
   type 'quizz' (expected one of: ...)`. Then the per-file rules: a quiz's own
   checks (engine/quiz/validation.py), a lesson's house rules (house_rules.py).
4. Check what spans files (cross_checks.py): duplicate ids and orders,
   prerequisites, quiz references, figure parameters and cited references.

A bad file never stops the others loading: any failure while reading one file,
whatever its cause, becomes that file's error and the file is left out. Parsed
files are cached by path and a digest of their bytes, so an edit shows on the
next call without a restart and an unchanged course costs a read of each file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from engine import ROOT
from engine.content import house_rules, markup, results
from engine.content.cross_checks import course_problems
from engine.content.problems import Problem, field_names, join_path, position_of, problems_from_validation
from engine.content.schema import LabSection, Lesson
from engine.content.yaml_reader import ReadError, digest, parse, problem_of, read_bytes
from engine.quiz.schema import QuizFile
from engine.quiz.validation import checking_every_variant_now, validate_quiz

LESSON_DIR = ROOT / "lessons"
QUIZ_DIR = ROOT / "quizzes"
MAX_PROBLEMS_PER_FILE = 50  # reported per file; the rest are counted in one line
log = logging.getLogger(__name__)


@dataclass
class Course:
    """Everything that loaded, and every problem found on the way."""

    lessons: list[Lesson] = field(default_factory=list)  # sorted by `order`
    quizzes: dict[str, Any] = field(default_factory=dict)  # quiz id -> QuizFile
    problems: list[Problem] = field(default_factory=list)  # errors
    files: dict[str, Path] = field(default_factory=dict)  # lesson id -> its file
    # Quiz id -> its file; a separate namespace, since a lesson's quiz may share its id.
    quiz_files: dict[str, Path] = field(default_factory=dict)
    # House rules a file should follow (engine/content/house_rules.py); validate prints them.
    warnings: list[Problem] = field(default_factory=list)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


# ---------------------------------------------------------------- one file

# (kind, path, every variant checked?) -> ((digest of the file's bytes, stored results), item, marked data, problems).
# The app checks a sample of each quiz's variants, `validate` every one: a result of one never
# stands in for the other, whatever order they run in within a process.
_CACHE: dict[tuple[str, str, bool], tuple[tuple, Any, Any, list[Problem]]] = {}


def _load_file(path: Path, kind: str, model: type[BaseModel], check: Callable) -> tuple[Any, Any, list[Problem]]:
    """(model instance or None, marked data, problems) for one file, cached by its content.

    Reading 13 files of 10 KB costs well under a millisecond; keying on the bytes (not
    the mtime, whose clock may tick only every few ms) means an edit always shows.
    """
    shown = _shown(path)
    try:
        raw = read_bytes(path)
    except ReadError as exc:
        return None, None, [problem_of(exc, shown)]
    stamp = (digest(raw), results.stamp())
    key = (kind, str(path), kind == "quiz" and checking_every_variant_now())
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1], cached[2], list(cached[3])
    try:
        item, data, problems = _read_file(raw, shown, model, check, kind=kind)
    except Exception as exc:  # noqa: BLE001 - whatever breaks on one file is that file's error, never the course's
        log.exception("reading %s failed", shown)
        item, data = None, None
        problems = [Problem(shown, 1, 1, "", f"could not read this file ({type(exc).__name__}: {str(exc)[:200]})")]
    problems = _capped(problems, shown)
    _CACHE[key] = (stamp, item, data, list(problems))
    return item, data, problems


def _capped(problems: list[Problem], shown: str) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_FILE, so one hostile file cannot flood the problems panel."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    rest = len(problems) - MAX_PROBLEMS_PER_FILE
    return problems[:MAX_PROBLEMS_PER_FILE] + [Problem(shown, 1, 1, "", f"... and {rest:,} more problems in this file")]


def _read_file(raw: bytes, shown: str, model: type[BaseModel], check: Callable, *, kind: str):
    data, problems = parse(raw, shown)
    if data is None:
        return None, None, problems
    refused = list(results.own_run_problems(data, kind))
    plain = _plain(data, [], refused, images=kind == "lesson")
    problems += [Problem(shown, *position_of(data, key_path), key_path, message) for key_path, message in refused]
    try:
        item = model.model_validate(plain)
    except ValidationError as exc:
        return None, data, problems + problems_from_validation(shown, data, exc, _known_keys(model))
    for found in check(item):
        key_path, message, severity = found if len(found) == 3 else (*found, "error")
        problems.append(Problem(shown, *position_of(data, key_path), key_path, message, severity))
    return item, data, problems


_KNOWN: dict[type, set[str]] = {}


def _known_keys(model: type[BaseModel]) -> set[str]:
    if model not in _KNOWN:
        _KNOWN[model] = field_names(model)
    return _KNOWN[model]


def _plain(node: Any, parts: list, refused: list, images: bool) -> Any:
    """Marked data to plain dicts and lists, with refused links and images (markup.py) made words
    and stored figures filled in (results.py)."""
    if isinstance(node, dict):
        return {(k if isinstance(k, (str, int)) else str(k)): _plain(v, parts + [k], refused, images) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, parts + [i], refused, images) for i, v in enumerate(node)]
    if isinstance(node, str) and not _in_code(parts):
        text, messages = markup.clean(node, images=images)
        text, unfilled = results.fill(text)
        refused += [(join_path(parts), message) for message in messages + unfilled]
        return text
    return node


def _in_code(parts: list) -> bool:
    return any(isinstance(part, str) and part in markup.CODE_KEYS for part in parts)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- the course

def yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + sorted(p for p in directory.glob("*.yml") if p.is_file())


def load_course(lesson_files: list[Path] | None = None, quiz_files: list[Path] | None = None) -> Course:
    """Load every lesson and quiz; never raises for bad content."""
    lesson_files = yaml_files(LESSON_DIR) if lesson_files is None else lesson_files
    quiz_files = yaml_files(QUIZ_DIR) if quiz_files is None else quiz_files
    course = Course()
    nodes: dict[str, tuple[str, Any]] = {}  # lesson id -> (shown file, marked data)

    for path in quiz_files:
        quiz, data, problems = _load_file(path, "quiz", QuizFile, validate_quiz)
        _file_problems(course, problems)
        if quiz is not None and not _duplicate(course, course.quiz_files, quiz.id, path, data):
            course.quizzes[quiz.id] = quiz
            course.quiz_files[quiz.id] = path

    for path in lesson_files:
        lesson, data, problems = _load_file(path, "lesson", Lesson, house_rules.check_lesson)
        _file_problems(course, problems)
        if lesson is None or _duplicate(course, course.files, lesson.id, path, data):
            continue
        nodes[lesson.id] = (_shown(path), data)
        course.lessons.append(lesson)
        course.files[lesson.id] = path

    course.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    for lesson, key_path, message in course_problems(course.lessons, course.quizzes):
        shown, data = nodes[lesson.id]
        course.problems.append(Problem(shown, *position_of(data, key_path), key_path, message))
    return course


def _file_problems(course: Course, problems: list[Problem]) -> None:
    course.problems += [p for p in problems if p.severity != "warning"]
    course.warnings += [p for p in problems if p.severity == "warning"]


def _duplicate(course: Course, files: dict[str, Path], item_id: str, path: Path, data: Any) -> bool:
    if item_id not in files:
        return False
    line, col = position_of(data, "id")
    first = _shown(files[item_id])
    course.problems.append(Problem(_shown(path), line, col, "id", f"duplicate id '{item_id}' (already used by {first})"))
    return True


def lab_sections(course: Course) -> list[tuple[Lesson, LabSection]]:
    """Every lab section of the course, with its lesson."""
    return [(lesson, s) for lesson in course.lessons for s in lesson.sections if isinstance(s, LabSection)]
