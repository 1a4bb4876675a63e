"""Quizzes as a QTI 3.0 content package: a zip with imsmanifest.xml, items and one test per quiz.

    quizzes ─ variants: the default variant (seed 0) and seeded ones, as the app draws them
            ─ each variant: its type's portable description (the `portable` hook, engine/quiz/types/)
                              ─ qti_item.assessment_item ─ items/<quiz>/<question>-<n>.xml
            ─ each quiz: test-<quiz>.xml, a qti-assessment-test; a question with several
              variants is a sub-section with qti-selection select="1" (a pool: one variant each)
            ─ imsmanifest.xml: every item and test as a resource, tests depending on their items
            ─ ExportSummary: per question, scored here, for manual scoring, or left out, and why

Variants are drawn by the engine itself (engine/quiz/answer_key.variant_for: seeded, meeting
the question's constraints), seeds from `variant_seed("qti-export", question id, round)`, so
an export is the same every time. No question is exported as a QTI template instead (see
docs/authoring.md: the engine's constraints and mistakes would have to be rewritten in
QTI's template language, and few LMSs run templates).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from engine.export.names import CP_NS, CP_XSD, QTI_NS, QTI_XSD, document, identifier
from engine.export.qti_item import assessment_item
from engine.quiz.portable import Essay

DEFAULT_VARIANTS = 5
MAX_VARIANTS = 50
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # fixed, so the same quizzes give the same bytes


# What happened to one question.
@dataclass(frozen=True)
class Exported:
    quiz: str
    question: str
    type: str
    status: str  # "scored" (the LMS scores it), "manual" (a person scores it) or "left out"
    variants: int = 0
    reason: str = ""  # why it is manual or left out, or what stays in the app


# The whole export: the package and what went into it.
@dataclass
class ExportResult:
    data: bytes = b""
    questions: list[Exported] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # path in the zip -> bytes

    def summary_lines(self) -> list[str]:
        """The export summary a person reads: counts, then every question not fully scored by the LMS."""
        counts = {s: sum(q.status == s for q in self.questions) for s in ("scored", "manual", "left out")}
        items = sum(q.variants for q in self.questions)
        lines = [f"{len(self.questions)} questions, {items} items: {counts['scored']} scored by the LMS, "
                 f"{counts['manual']} for manual scoring, {counts['left out']} left out."]
        for q in self.questions:
            if q.status != "scored" or q.reason:
                what = {"manual": "for manual scoring", "left out": "left out", "scored": "scored"}[q.status]
                lines.append(f"{q.quiz}/{q.question} ({q.type}): {what}: {q.reason}")
        return lines


def export_qti(quizzes, *, variants: int = DEFAULT_VARIANTS) -> ExportResult:
    """A QTI 3.0 package of `quizzes` (QuizFile objects), each parameterised question as `variants` items."""
    if not 1 <= variants <= MAX_VARIANTS:
        raise ValueError(f"variants must be between 1 and {MAX_VARIANTS}, not {variants}")
    result = ExportResult()
    tests = []
    for quiz in quizzes:
        refs = [_export_question(result, quiz, question, variants) for question in quiz.questions]
        tests.append(_test(result, quiz, [r for r in refs if r]))
    result.files["imsmanifest.xml"] = _manifest(tests)
    result.data = _zip(result.files)
    return result


def _export_question(result: ExportResult, quiz, question, count: int) -> list[tuple[str, str]]:
    """Write the question's items; [(identifier, href)], empty when it is left out."""
    from engine.quiz.types import type_of

    kind = type_of(question)
    try:
        described = [(k, kind.portable(question, variant, key)) for k, (variant, key) in enumerate(_variants(question, count), 1)]
    except (ValueError, ArithmeticError, TypeError, RecursionError) as exc:  # SnippetError is a ValueError
        result.questions.append(Exported(quiz.id, question.id, question.type, "left out",
                                         reason=f"its variant could not be computed ({exc})"))
        return []
    refs = []
    for k, item in described:
        ident, href = identifier(quiz.id, question.id, k), f"items/{quiz.id}/{question.id}-{k}.xml"
        title = f"{quiz.title}: {question.id}" + (f" (variant {k})" if len(described) > 1 else "")
        result.files[href] = assessment_item(item, ident=ident, title=title)
        refs.append((ident, href))
    first = described[0][1]
    status, reason = ("manual", first.reason) if isinstance(first, Essay) else ("scored", first.note or "")
    result.questions.append(Exported(quiz.id, question.id, question.type, status, len(refs), reason))
    return refs


def _variants(question, count: int) -> list:
    """The default variant, then seeded ones with other numbers, up to `count` (fewer if fewer exist)."""
    from engine.quiz.answer_key import variant_for
    from engine.quiz.variants import params_vary, variant_seed

    chosen = [variant_for(question, 0)]
    if not params_vary(question):
        return chosen  # option order is the LMS's to shuffle
    seen = {tuple(sorted(chosen[0][0].values.items()))}
    for round_ in range(1, 20 * count):
        if len(chosen) == count:
            break
        variant, key = variant_for(question, variant_seed("qti-export", question.id, round_))
        values = tuple(sorted(variant.values.items()))
        if values not in seen:
            seen.add(values)
            chosen.append((variant, key))
    return chosen


def _test(result: ExportResult, quiz, questions: list[list[tuple[str, str]]]):
    """test-<quiz>.xml; (identifier, href, [(item identifier, item href)] it uses)."""
    ident, href = identifier(quiz.id), f"test-{quiz.id}.xml"
    root = ET.Element("qti-assessment-test", {"identifier": ident, "title": quiz.title})
    part = ET.SubElement(root, "qti-test-part", {
        "identifier": f"{ident}.part", "navigation-mode": "nonlinear", "submission-mode": "individual"})
    section = ET.SubElement(part, "qti-assessment-section", {
        "identifier": f"{ident}.questions", "title": quiz.title, "visible": "true"})
    for n, refs in enumerate(questions, 1):
        parent = section
        if len(refs) > 1:  # a pool: each candidate gets one of the pre-drawn variants
            parent = ET.SubElement(section, "qti-assessment-section", {
                "identifier": f"{ident}.pool{n}", "title": f"Question {n}", "visible": "false"})
            ET.SubElement(parent, "qti-selection", {"select": "1"})
        for item_ident, item_href in refs:
            ET.SubElement(parent, "qti-assessment-item-ref", {"identifier": item_ident, "href": item_href})
    processing = ET.SubElement(root, "qti-outcome-processing")
    total = ET.SubElement(ET.SubElement(processing, "qti-set-outcome-value", {"identifier": "SCORE"}), "qti-sum")
    ET.SubElement(total, "qti-test-variables", {"variable-identifier": "SCORE"})
    root.insert(0, ET.Element("qti-outcome-declaration", {
        "identifier": "SCORE", "cardinality": "single", "base-type": "float"}))
    result.files[href] = document(root, QTI_NS, QTI_XSD)
    return ident, href, [ref for refs in questions for ref in refs]


def _manifest(tests) -> bytes:
    """Each test depends on its items; each item is a resource of its own."""
    root = ET.Element("manifest", {"identifier": "lora-lab-qti3"})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "QTI Package"
    ET.SubElement(metadata, "schemaversion").text = "3.0.0"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for test_ident, test_href, refs in tests:
        _resource(resources, test_ident, "imsqti_test_xmlv3p0", test_href, [ident for ident, _ in refs])
    for _, _, refs in tests:
        for item_ident, item_href in refs:
            _resource(resources, item_ident, "imsqti_item_xmlv3p0", item_href, [])
    return document(root, CP_NS, CP_XSD)


def _resource(resources: ET.Element, ident: str, kind: str, href: str, needs: list[str]) -> None:
    resource = ET.SubElement(resources, "resource", {"identifier": ident, "type": kind, "href": href})
    ET.SubElement(resource, "file", {"href": href})
    for other in needs:
        ET.SubElement(resource, "dependency", {"identifierref": other})


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in ["imsmanifest.xml", *sorted(p for p in files if p != "imsmanifest.xml")]:
            archive.writestr(zipfile.ZipInfo(path, date_time=_ZIP_TIME), files[path])
    return buffer.getvalue()
