"""One portable question variant (engine/quiz/portable.py) as a QTI 3.0 qti-assessment-item.

Every item declares RESPONSE, SCORE (0..1), MAXSCORE (1), FEEDBACK (the picked options, or
the mistake, whose feedback to show) and SOLUTION (set once answered). Its response
processing is written out in full, never a response-processing template: a template is
fetched from 1EdTech's site by URL, which a player offline cannot do. Only operators every
QTI 3 player implements are used (match, map-response, gte/lte, pattern-match, and/or/not):
qti-equal's tolerance modes are optional in players, so a tolerance is written as the
range [low, high] it stands for.

    Choices ─ choice interaction: single (match) or multiple (map-response: +1/n right, -1/n wrong, 0..1),
              shuffled with pinned options fixed; each picked option shows its feedback inline
    Number  ─ text entry, a float: right in [low, high]; a Slip's range names its mistake (modal feedback)
    Text    ─ text entry (extended text for several lines): right when the printed text matches,
              whitespace aside (engine/export/patterns.py)
    Essay   ─ extended text scored by a person (SCORE external-scored="human"), the rubric for scorers only
    every item ─ feedback block SOLUTION: the worked solution, shown once answered (an essay's is in its rubric)
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from engine.export.markup import code_block, inline, paragraphs
from engine.export.names import QTI_NS, QTI_XSD, XML_NS, document
from engine.export.patterns import whole_text_patterns
from engine.quiz.portable import Choices, Essay, Number, Portable, Text

SOLUTION = "SOLUTION"


def assessment_item(item: Portable, *, ident: str, title: str) -> bytes:
    """The item as a QTI 3.0 XML document."""
    root = ET.Element("qti-assessment-item", {
        "identifier": ident, "title": title, "adaptive": "false", "time-dependent": "false",
        f"{{{XML_NS}}}lang": "en"})
    _declare(root, item)
    body = ET.SubElement(root, "qti-item-body")
    paragraphs(ET.SubElement(body, "div"), item.prompt)
    if item.code:
        code_block(body, item.code)
    _interaction(body, item)
    if item.note:
        paragraphs(ET.SubElement(body, "div"), f"*{item.note}*")
    if item.solution and not isinstance(item, Essay):  # an essay's solution is in its rubric, for scorers
        block = ET.SubElement(body, "qti-feedback-block", {
            "outcome-identifier": SOLUTION, "identifier": SOLUTION, "show-hide": "show"})
        content = ET.SubElement(block, "qti-content-body")
        for line in ("**Solution**", *item.solution):
            paragraphs(content, line)
    if not isinstance(item, Essay):
        _response_processing(ET.SubElement(root, "qti-response-processing"), item)
    for slip in item.slips:  # one at most is shown: the mistake the answer matches
        modal = ET.SubElement(root, "qti-modal-feedback", {
            "outcome-identifier": "FEEDBACK", "identifier": slip_identifier(slip.id), "show-hide": "show",
            "title": "A common mistake"})
        paragraphs(ET.SubElement(modal, "qti-content-body"), f"That is what this common mistake gives: {slip.text}")
    return document(root, QTI_NS, QTI_XSD)


def slip_identifier(slip_id: str) -> str:
    """The FEEDBACK value (and modal feedback identifier) that names a mistake."""
    return f"MISTAKE.{slip_id}"


# ---------------------------------------------------------------- declarations and body

def _declare(root: ET.Element, item: Portable) -> None:
    response = ET.SubElement(root, "qti-response-declaration", {"identifier": "RESPONSE"})
    if isinstance(item, Choices):
        right = [letter for letter, option in _lettered(item) if option.correct]
        response.attrib.update(cardinality="multiple" if item.multiple else "single", **{"base-type": "identifier"})
        _values(ET.SubElement(response, "qti-correct-response"), right)
        if item.multiple:  # PrairieLearn's pl-checkbox "PC" credit, as engine/quiz/grading.py gives it
            mapping = ET.SubElement(response, "qti-mapping", {
                "lower-bound": "0", "upper-bound": "1", "default-value": "0"})
            for letter, option in _lettered(item):
                share = (1 if option.correct else -1) / len(right)
                ET.SubElement(mapping, "qti-map-entry", {"map-key": letter, "mapped-value": _float(share)})
    elif isinstance(item, Number):
        response.attrib.update(cardinality="single", **{"base-type": "float"})
        _values(ET.SubElement(response, "qti-correct-response"), [_float(item.key)])
    else:
        response.attrib.update(cardinality="single", **{"base-type": "string"})
        if isinstance(item, Text):
            _values(ET.SubElement(response, "qti-correct-response"), [item.answers[0]])
    score = _outcome(root, "SCORE", "float", "0")
    if isinstance(item, Essay):
        score.attrib.update({"external-scored": "human", "normal-maximum": "1"})
    _outcome(root, "MAXSCORE", "float", "1")
    for name, cardinality in (("FEEDBACK", "multiple"), (SOLUTION, "single")):
        ET.SubElement(root, "qti-outcome-declaration", {
            "identifier": name, "cardinality": cardinality, "base-type": "identifier"})


def _outcome(root: ET.Element, name: str, base_type: str, default: str) -> ET.Element:
    outcome = ET.SubElement(root, "qti-outcome-declaration", {
        "identifier": name, "cardinality": "single", "base-type": base_type})
    _values(ET.SubElement(outcome, "qti-default-value"), [default])
    return outcome


def _interaction(body: ET.Element, item: Portable) -> None:
    if isinstance(item, Choices):
        interaction = ET.SubElement(body, "qti-choice-interaction", {
            "response-identifier": "RESPONSE", "shuffle": "true" if item.shuffle else "false",
            "max-choices": "0" if item.multiple else "1"})
        for letter, option in _lettered(item):
            choice = ET.SubElement(interaction, "qti-simple-choice", {"identifier": letter})
            if option.pinned:
                choice.set("fixed", "true")
            paragraphs(choice, option.text, tag="span")
            feedback = ET.SubElement(choice, "qti-feedback-inline", {
                "outcome-identifier": "FEEDBACK", "identifier": letter, "show-hide": "show"})
            said = f" **{'Right' if option.correct else 'Not right'}:** {option.feedback}"
            inline(feedback, said + (f" Common mistake: {option.mistake}" if option.mistake else ""))
    elif isinstance(item, Essay) or (isinstance(item, Text) and item.multiline):
        ET.SubElement(body, "qti-extended-text-interaction", {"response-identifier": "RESPONSE"})
    else:
        line = ET.SubElement(body, "p")
        line.text = "Your answer: " if not getattr(item, "unit", None) else f"Your answer, in {item.unit}: "
        ET.SubElement(line, "qti-text-entry-interaction", {"response-identifier": "RESPONSE"})
    if isinstance(item, Essay):
        rubric = ET.SubElement(body, "qti-rubric-block", {"use": "scoring", "view": "scorer"})
        content = ET.SubElement(rubric, "qti-content-body")
        for line_ in (f"**Scoring ({item.reason}).** {item.rubric}", *item.solution):
            paragraphs(content, line_)


def _lettered(item: Choices):
    return [(chr(65 + i), option) for i, option in enumerate(item.options)]


# ---------------------------------------------------------------- response processing

def _response_processing(rp: ET.Element, item: Portable) -> None:
    if isinstance(item, Choices):
        if item.multiple:
            _set(rp, "SCORE", _op("qti-map-response", identifier="RESPONSE"))
        else:
            right = _op("qti-match", _var("RESPONSE"), _op("qti-correct", identifier="RESPONSE"))
            _if_else(rp, [(right, [("SCORE", _float_value(1))])], [("SCORE", _float_value(0))])
        # FEEDBACK: the picked options (a container already, or a single pick made one)
        _set(rp, "FEEDBACK", _var("RESPONSE") if item.multiple else _op("qti-multiple", _var("RESPONSE")))
    else:
        branches = [(_answered(*_accepts(item)), [("SCORE", _float_value(1)), ("FEEDBACK", _op("qti-null"))])]
        for slip in item.slips:
            test = _between(slip.low, slip.high) if isinstance(item, Number) else _text_matches((slip.answer,), False)
            branches.append((_answered(*test), [("SCORE", _float_value(0)),
                                                ("FEEDBACK", _op("qti-multiple", _identifier_value(slip_identifier(slip.id))))]))
        _if_else(rp, branches, [("SCORE", _float_value(0)), ("FEEDBACK", _op("qti-null"))])
    # A separate outcome for the solution: some players do not flatten a container inside qti-multiple.
    _set(rp, "SOLUTION", _identifier_value(SOLUTION))


def _accepts(item: Portable) -> list[ET.Element]:
    if isinstance(item, Number):
        return _between(item.low, item.high)
    return _text_matches(item.answers, item.ignore_case)


def _between(low: float, high: float) -> list[ET.Element]:
    return [_op("qti-gte", _var("RESPONSE"), _float_value(low)), _op("qti-lte", _var("RESPONSE"), _float_value(high))]


def _answered(*tests: ET.Element) -> ET.Element:
    """All of `tests`, and only when there is an answer (an empty response is no number: 0 >= low must not count)."""
    return _op("qti-and", _op("qti-not", _op("qti-is-null", _var("RESPONSE"))), *tests)


def _text_matches(texts, ignore_case: bool) -> list[ET.Element]:
    """The tests for "the response is one of `texts`, whitespace aside": matches `whole`, and not `around`."""
    tests = []
    for text in texts:
        whole, around = whole_text_patterns(str(text), ignore_case=ignore_case)
        tests.append([_op("qti-pattern-match", _var("RESPONSE"), pattern=whole),
                      _op("qti-not", _op("qti-pattern-match", _var("RESPONSE"), pattern=around))])
    return tests[0] if len(tests) == 1 else [_op("qti-or", *(_op("qti-and", *test) for test in tests))]


def _if_else(rp: ET.Element, branches, otherwise) -> None:
    """qti-response-condition: if / else-if ... / else, each branch setting outcomes."""
    condition = ET.SubElement(rp, "qti-response-condition")
    for k, (test, sets) in enumerate(branches):
        branch = ET.SubElement(condition, "qti-response-if" if k == 0 else "qti-response-else-if")
        branch.append(test)
        for name, value in sets:
            _set(branch, name, value)
    if otherwise:
        branch = ET.SubElement(condition, "qti-response-else")
        for name, value in otherwise:
            _set(branch, name, value)


def _set(parent: ET.Element, name: str, value: ET.Element) -> None:
    ET.SubElement(parent, "qti-set-outcome-value", {"identifier": name}).append(value)


def _op(tag: str, *children: ET.Element, **attributes: str) -> ET.Element:
    element = ET.Element(tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    element.extend(children)
    return element


def _var(name: str) -> ET.Element:
    return _op("qti-variable", identifier=name)


def _float_value(number: float) -> ET.Element:
    element = _op("qti-base-value", base_type="float")
    element.text = _float(number)
    return element


def _identifier_value(name: str) -> ET.Element:
    element = _op("qti-base-value", base_type="identifier")
    element.text = name
    return element


def _values(parent: ET.Element, values) -> None:
    for value in values:
        ET.SubElement(parent, "qti-value").text = str(value)


def _float(number: float) -> str:
    """An xs:double as Python writes it: shortest round-trip ('0.1', '1e-09', '65536.0')."""
    return repr(float(number))
