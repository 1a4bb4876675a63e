"""Load lessons and quizzes from YAML, with errors that say file:line:col and the key.

1. Read bytes, decode UTF-8, refuse empty files and tab indentation.
2. Parse with ruamel.yaml's round-trip loader, which keeps the line and column
   of every key and item and refuses duplicate keys.
3. Validate with the pydantic models (engine/content/schema.py, engine/quiz/schema.py);
   each pydantic error's `loc` is walked back through the YAML nodes to a
   position, e.g. `lessons/02-lora.yaml:14:5: sections[2].type: unknown section
   type 'quizz' (expected one of: ...)`.
4. Check what spans files: duplicate ids, prerequisites, quiz references,
   figure parameters and cited references.

A bad file never stops the others loading: it is left out and its problems are
reported. Parsed files are cached by (path, mtime, size), so an edit shows on
the next call without a restart and an unchanged course costs a few `stat`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from engine import ROOT
from engine.content.problems import Problem, field_names, position_of, problems_from_validation
from engine.content.schema import FigureSection, LabSection, Lesson, QuizSection
from engine.quiz.schema import QuizFile
from engine.quiz.validation import validate_quiz

LESSON_DIR = ROOT / "lessons"
QUIZ_DIR = ROOT / "quizzes"


@dataclass
class Course:
    """Everything that loaded, and every problem found on the way."""

    lessons: list[Lesson] = field(default_factory=list)  # sorted by `order`
    quizzes: dict[str, Any] = field(default_factory=dict)  # quiz id -> QuizFile
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # lesson id -> its file
    # Quiz id -> its file; a separate namespace, since a lesson's quiz may share its id.
    quiz_files: dict[str, Path] = field(default_factory=dict)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


# ---------------------------------------------------------------- one file

def read_yaml(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file into ruamel nodes, or return the problems that stop it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, 1, "", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(shown, line, col, "", f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8")]
    if not text.strip():
        return None, [Problem(shown, 1, 1, "", "file is empty")]
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            return None, [Problem(shown, number, indent.index("\t") + 1, "", "tab used for indentation; YAML needs spaces")]
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        return None, [_yaml_problem(shown, text, exc)]
    if data is None:
        return None, [Problem(shown, 1, 1, "", "file is empty (only comments)")]
    if not isinstance(data, dict):
        return None, [Problem(shown, 1, 1, "", f"expected a mapping of keys at the top level, found a {type(data).__name__}")]
    return data, []


def _yaml_problem(shown: str, text: str, exc: MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or "").strip()
    if "duplicate key" in problem or type(exc).__name__ == "DuplicateKeyError":
        key = problem.split('"')[1] if problem.count('"') >= 2 else "?"
        return Problem(shown, line, col, key, f"duplicate key '{key}' (first defined at line {_first_line_of_key(text, key, line, col)})")
    context = ""
    if exc.context and exc.context_mark:
        where = exc.context_mark
        context = f" ({exc.context.strip()} started at line {where.line + 1}, column {where.column + 1})"
    return Problem(shown, line, col, "", f"YAML syntax error: {problem}{context}")


def _first_line_of_key(text: str, key: str, line: int, col: int) -> int | str:
    """The earlier line where `key` starts at the same column as its duplicate."""
    lines = text.splitlines()
    for number in range(line - 1, 0, -1):
        candidate = lines[number - 1]
        if candidate[col - 1:].startswith(f"{key}:") and not candidate[: col - 1].strip(" -"):
            return number
    return "?"


_CACHE: dict[tuple[str, str], tuple[tuple[int, int], Any, Any, list[Problem]]] = {}


def _load_file(path: Path, kind: str, model: type[BaseModel], check: Callable | None) -> tuple[Any, Any, list[Problem]]:
    """(model instance or None, YAML nodes, problems) for one file, cached by mtime and size."""
    shown = _shown(path)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    cached = _CACHE.get((kind, str(path)))
    if cached and cached[0] == stamp:
        return cached[1], cached[2], list(cached[3])
    data, problems = read_yaml(path, shown)
    item = None
    if data is not None:
        try:
            item = model.model_validate(_plain(data))
        except ValidationError as exc:
            problems = problems_from_validation(shown, data, exc, _known_keys(model))
    if item is not None and check is not None:
        for key_path, message in check(item):
            line, col = position_of(data, key_path)
            problems.append(Problem(shown, line, col, key_path, message))
    _CACHE[(kind, str(path))] = (stamp, item, data, list(problems))
    return item, data, problems


_KNOWN: dict[type, set[str]] = {}


def _known_keys(model: type[BaseModel]) -> set[str]:
    if model not in _KNOWN:
        _KNOWN[model] = field_names(model)
    return _KNOWN[model]


def _plain(node: Any) -> Any:
    """ruamel's CommentedMap/Seq to plain dicts and lists (pydantic needs no positions)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- quizzes

def _quiz_ids(quiz: Any) -> list[str]:
    return [question.id for question in quiz.questions]


# ---------------------------------------------------------------- the course

def yaml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) + sorted(p for p in directory.glob("*.yml") if p.is_file())


def load_course(lesson_files: list[Path] | None = None, quiz_files: list[Path] | None = None) -> Course:
    """Load every lesson and quiz; never raises for bad content."""
    lesson_files = yaml_files(LESSON_DIR) if lesson_files is None else lesson_files
    quiz_files = yaml_files(QUIZ_DIR) if quiz_files is None else quiz_files
    course = Course()
    nodes: dict[str, tuple[str, Any]] = {}  # id -> (shown file, YAML nodes)

    for path in quiz_files:
        quiz, data, problems = _load_file(path, "quiz", QuizFile, validate_quiz)
        course.problems += problems
        if quiz is not None and not _duplicate(course, course.quiz_files, quiz.id, path, data):
            course.quizzes[quiz.id] = quiz
            course.quiz_files[quiz.id] = path

    for path in lesson_files:
        lesson, data, problems = _load_file(path, "lesson", Lesson, None)
        course.problems += problems
        if lesson is None or _duplicate(course, course.files, lesson.id, path, data):
            continue
        nodes[lesson.id] = (_shown(path), data)
        course.lessons.append(lesson)
        course.files[lesson.id] = path

    # A lesson whose references are broken still serves: the section that points
    # nowhere shows an error box, and validate reports the problem.
    for lesson in course.lessons:
        shown, data = nodes[lesson.id]
        course.problems += list(_cross_check(lesson, course, shown, data))
    course.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return course


def _duplicate(course: Course, files: dict[str, Path], item_id: str, path: Path, data: Any) -> bool:
    if item_id not in files:
        return False
    line, col = position_of(data, "id")
    first = _shown(files[item_id])
    course.problems.append(Problem(_shown(path), line, col, "id", f"duplicate id '{item_id}' (already used by {first})"))
    return True


def _cross_check(lesson: Lesson, course: Course, shown: str, data: Any):
    """Problems that need the whole course: references to other lessons, quizzes, figures, sources."""
    lesson_ids = {item.id for item in course.lessons}
    ref_ids = {ref.id for ref in lesson.references}

    def problem(key_path: str, message: str) -> Problem:
        line, col = position_of(data, key_path)
        return Problem(shown, line, col, key_path, message)

    for i, prerequisite in enumerate(lesson.prerequisites):
        if prerequisite not in lesson_ids:
            yield problem(f"prerequisites[{i}]", f"unknown lesson '{prerequisite}'")
        elif prerequisite == lesson.id:
            yield problem(f"prerequisites[{i}]", "a lesson cannot be its own prerequisite")
    for i, section in enumerate(lesson.sections):
        where = f"sections[{i}]"
        for j, cited in enumerate(section.cite):
            if cited not in ref_ids:
                yield problem(f"{where}.cite[{j}]", f"unknown reference '{cited}' (add it to the lesson's references)")
        if isinstance(section, FigureSection):
            try:
                section.parsed_params()
            except ValidationError as exc:
                for err in exc.errors():
                    key = ".".join(str(part) for part in err["loc"])
                    path = f"{where}.params.{key}" if key else f"{where}.params"
                    message = err["msg"][:1].lower() + err["msg"][1:]
                    yield problem(path, f"figure '{section.name}': {message}")
        elif isinstance(section, QuizSection):
            yield from _check_quiz_reference(section, course, where, problem)


def _check_quiz_reference(section: QuizSection, course: Course, where: str, problem):
    quiz = course.quizzes.get(section.quiz)
    if quiz is None:
        known = ", ".join(sorted(course.quizzes)) or "none loaded"
        yield problem(f"{where}.quiz", f"unknown quiz '{section.quiz}' (known quizzes: {known})")
        return
    ids = _quiz_ids(quiz)
    for j, question_id in enumerate(section.questions):
        if question_id not in ids:
            yield problem(f"{where}.questions[{j}]", f"quiz '{section.quiz}' has no question '{question_id}'")


def lab_sections(course: Course) -> list[tuple[Lesson, LabSection]]:
    """Every lab section of the course, with its lesson."""
    return [(lesson, s) for lesson in course.lessons for s in lesson.sections if isinstance(s, LabSection)]
