"""The lesson schema: what a `lessons/*.yaml` file may contain.

Pydantic v2 models with `extra="forbid"`, so a mistyped key fails loudly; the
loader (`engine/content/loader.py`) turns every error into `file:line:col: path: message`.
A lesson is a list of typed sections; the `type` key picks the model
(a discriminated union), so an unknown type names the types that exist.

Cross-file rules (a quiz, figure or lesson that must exist, cited references)
need the whole course and are checked by the loader, not here.

`python -m engine schema` writes `lesson_json_schema()` to `lessons/schema.json`,
which editors use to complete and check lesson files as they are typed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.content.figures import FIGURES
from engine.content.markup import reference_url_problem
from engine.lab.settings import GlossaryEntry, LabSettings

# Lesson and quiz ids are URL paths (`/<lesson-id>`), so they are lowercase slugs.
SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A source a lesson cites: a paper section or a documentation page.
class Reference(Strict):
    # Short key that sections cite, e.g. "lora-paper".
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    # Human-readable citation, e.g. "Hu et al., LoRA (2021), arXiv:2106.09685".
    title: str = Field(min_length=1)
    # http(s) or relative only, with nothing that would end the link the page builds around it
    # (engine/content/markup.py reference_url_problem).
    url: str | None = None
    # A stored result of the project's own runs (benchmarks/results/<result>.json): sections that
    # cite it read its figures with {result:<result>.KEY} placeholders (engine/content/results.py).
    result: str | None = Field(None, pattern=r"^[a-z0-9_]+$")

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str | None) -> str | None:
        why = reference_url_problem(url) if url is not None else None
        if why:
            raise ValueError(why)
        return url


# Fields every section has.
class SectionBase(Strict):
    # Optional heading shown above the section.
    title: str | None = None
    # Reference ids (from the lesson's `references`) backing the facts in this section.
    cite: list[str] = Field(default_factory=list)


# Prose, in Markdown.
class MarkdownSection(SectionBase):
    type: Literal["markdown"]
    body: str = Field(min_length=1)


# A picture from everyday life that maps onto the idea.
class AnalogySection(SectionBase):
    type: Literal["analogy"]
    body: str = Field(min_length=1)


# One side of a side-by-side code comparison.
class CodePane(Strict):
    caption: str = Field(min_length=1)
    code: str = Field(min_length=1)
    language: str = "python"


# Two code blocks side by side, e.g. full fine-tuning against a LoRA adapter.
class CodeCompareSection(SectionBase):
    type: Literal["code_compare"]
    left: CodePane
    right: CodePane
    # Optional Markdown shown under both panes.
    note: str | None = None


# A short list of the ideas to remember.
class KeyPointsSection(SectionBase):
    type: Literal["key_points"]
    points: list[str] = Field(min_length=1)


# A use case from practice.
class RealWorldSection(SectionBase):
    type: Literal["real_world"]
    body: str = Field(min_length=1)


# A highlighted box: a tip, a warning, a common mistake or a note.
class CalloutSection(SectionBase):
    type: Literal["callout"]
    kind: Literal["tip", "warning", "mistake", "note"] = "note"
    body: str = Field(min_length=1)


# An interactive widget from the figure registry (engine/content/figures.py) and its parameters.
class FigureSection(SectionBase):
    type: Literal["figure"]
    name: str
    # Checked against the widget's own parameter model by the loader (errors name the key).
    params: dict[str, Any] = Field(default_factory=dict)
    caption: str | None = None

    @field_validator("name")
    @classmethod
    def _known_figure(cls, name: str) -> str:
        if name not in FIGURES:
            raise ValueError(f"unknown figure '{name}' (expected one of: {', '.join(sorted(FIGURES))})")
        return name

    def parsed_params(self) -> BaseModel:
        """The params validated by the figure's own model, defaults filled in."""
        return FIGURES[self.name].model_validate(self.params)


# Questions from a quiz file in quizzes/, shown inline.
class QuizSection(SectionBase):
    type: Literal["quiz"]
    # The quiz file's `id`.
    quiz: str = Field(pattern=SLUG)
    # Question ids from that quiz; empty means all of them.
    questions: list[str] = Field(default_factory=list)


# The live lab: a real fine-tune of the shipped small model, with its settings.
class LabSection(SectionBase):
    type: Literal["lab"]
    settings: LabSettings = Field(default_factory=LabSettings)
    # The invented company terms the model learns.
    glossary: list[GlossaryEntry] = Field(min_length=1, max_length=40)


Section = Annotated[
    Union[
        MarkdownSection,
        AnalogySection,
        CodeCompareSection,
        KeyPointsSection,
        RealWorldSection,
        CalloutSection,
        FigureSection,
        QuizSection,
        LabSection,
    ],
    Field(discriminator="type"),
]

SECTION_TYPES: tuple[str, ...] = (
    "markdown", "analogy", "code_compare", "key_points", "real_world",
    "callout", "figure", "quiz", "lab",
)


# One lesson file.
class Lesson(Strict):
    # URL path of the lesson page (`/<id>`); unique across the course.
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=120)
    # One or two sentences for the course map.
    summary: str = Field(min_length=1, max_length=400)
    # Position in the course; lessons are listed by it.
    order: int = Field(ge=1, le=999)
    # Ids of lessons to take first.
    prerequisites: list[str] = Field(default_factory=list)
    estimated_minutes: int = Field(ge=1, le=600)
    sections: list[Section] = Field(min_length=1)
    references: list[Reference] = Field(default_factory=list)


def lesson_json_schema() -> dict:
    """JSON Schema of a lesson file, for editors (VS Code's YAML extension)."""
    schema = Lesson.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "LoRA Lab lesson"
    return schema
