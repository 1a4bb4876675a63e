"""Skills: declared once in practice/skills.yaml, named by questions and revealed by mistakes.

A question's `skills:` (engine/quiz/schema.py) lists what it trains. A wrong answer that
the grader names as a mistake is evidence about the skills that mistake reveals:

    1. the mistake's own `skills:`, if it lists any;
    2. else the skills whose `mistakes:` in skills.yaml name its id or its built-in transform;
    3. else the question's skills.

`check_references` is what `python -m engine validate` adds to the loader's checks: every
skill a question or mistake names must be declared, reported as file:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine import ROOT
from engine.content.problems import Problem, field_names, position_of, problems_from_validation
from engine.content.yaml_reader import content_stamp, read_yaml
from engine.quiz.schema import SLUG

SKILLS_FILE = ROOT / "practice" / "skills.yaml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# One skill a learner can master, e.g. "units".
class Skill(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    # Mistake ids or built-in transforms (bits_for_bytes) that reveal a gap in this skill.
    mistakes: list[str] = Field(default_factory=list, max_length=200)


# The whole practice/skills.yaml file.
class SkillsFile(Strict):
    skills: list[Skill] = Field(min_length=1, max_length=500)

    @field_validator("skills")
    @classmethod
    def _unique(cls, skills: list[Skill]) -> list[Skill]:
        ids = [s.id for s in skills]
        if len(ids) != len(set(ids)):
            raise ValueError(f"skill ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return skills


@dataclass
class Skills:
    """The declared skills, and which skills each mistake id or transform reveals."""

    by_id: dict[str, Skill] = field(default_factory=dict)
    by_mistake: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def title(self, skill_id: str) -> str:
        skill = self.by_id.get(skill_id)
        return skill.title if skill else skill_id

    def of_mistake(self, question, mistake_id: str) -> tuple[str, ...]:
        """The skills a named mistake on `question` reveals (rules 1-3 of the module docstring)."""
        mistake = next((m for m in question.solution.common_mistakes if m.id == mistake_id), None)
        if mistake is not None and mistake.skills:
            return tuple(mistake.skills)
        for key in (mistake_id, getattr(mistake, "transform", None)):
            if key and key in self.by_mistake:
                return self.by_mistake[key]
        return tuple(question.skills)


_CACHE: dict[str, tuple[bytes | None, Skills]] = {}


def load_skills(path: Path = SKILLS_FILE) -> Skills:
    """The skills of `path` (cached by content); a broken file gives no skills and its problems."""
    stamp = content_stamp(path)
    cached = _CACHE.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    shown = shown_path(path)
    data, problems = read_yaml(path, shown)
    skills = Skills(problems=problems)
    if data is not None:
        try:
            parsed = SkillsFile.model_validate(plain(data))
        except ValidationError as exc:
            skills.problems = problems_from_validation(shown, data, exc, field_names(SkillsFile))
        else:
            skills.by_id = {s.id: s for s in parsed.skills}
            by_mistake: dict[str, list[str]] = {}
            for s in parsed.skills:
                for mistake in s.mistakes:
                    by_mistake.setdefault(mistake, []).append(s.id)
            skills.by_mistake = {k: tuple(v) for k, v in by_mistake.items()}
    _CACHE[str(path)] = (stamp, skills)
    return skills


def check_references(quizzes: dict[str, Any], files: dict[str, Path], skills: Skills, *,
                     inner: str = "") -> list[Problem]:
    """Every skill a question or mistake names must be declared; one Problem per unknown name.
    `inner`: where a question sits inside `questions[i]` (".question" in lab-run.yaml)."""
    if not skills.by_id:  # skills.yaml itself is broken: its own problems say why
        return []
    known = ", ".join(sorted(skills.by_id))
    found: list[Problem] = []
    for quiz_id, quiz in quizzes.items():
        named = list(_named(quiz, inner))
        bad = [(path, skill) for path, skill in named if skill not in skills.by_id]
        if not bad:
            continue
        shown = shown_path(files[quiz_id])
        data, _ = read_yaml(files[quiz_id], shown)
        for path, skill in bad:
            line, col = position_of(data, path) if data is not None else (1, 1)
            found.append(Problem(shown, line, col, path, f"unknown skill '{skill}' (declared in "
                                 f"{shown_path(SKILLS_FILE)}: {known})"))
    return found


def _named(quiz, inner: str):
    """(key path, skill id) for every skill named in a quiz."""
    for i, question in enumerate(quiz.questions):
        where = f"questions[{i}]{inner}"
        for j, skill in enumerate(question.skills):
            yield f"{where}.skills[{j}]", skill
        for k, mistake in enumerate(question.solution.common_mistakes):
            for j, skill in enumerate(mistake.skills):
                yield f"{where}.solution.common_mistakes[{k}].skills[{j}]", skill


def plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
