"""`python -m engine preview QUIZ_FILE [--question ID] [--seed N]`: a variant as a learner sees it, with its key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Print a quiz's questions for one variant (snippet, options) with the answer key and mistake values."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("quiz_file", type=Path, help="a quizzes/*.yaml file")
    parser.add_argument("--question", help="only this question id")
    parser.add_argument("--seed", type=int, default=0, help="variant seed (0 = the default values; default 0)")


def run(args: argparse.Namespace) -> int:
    from engine.cli._quiz_file import CliError, load_quiz, pick_question

    if args.seed < 0:
        print("error: --seed must be 0 or more", file=sys.stderr)
        return 1
    try:
        quiz = load_quiz(args.quiz_file)
        questions = [pick_question(quiz, args.question)] if args.question else quiz.questions
        for question in questions:
            print(preview_text(question, args.seed))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def preview_text(question, seed: int) -> str:
    """The question rendered for `seed`, then its key, as plain text."""
    from engine.quiz.answer_key import variant_for
    from engine.quiz.types import type_of
    from engine.quiz.variants import render, render_snippet
    from engine.sandbox import SnippetError

    try:
        variant, key = variant_for(question, seed)
    except (SnippetError, ValueError) as exc:
        return f"== {question.id} ({question.type}) ==\ncannot compute this variant: {exc}\n"
    lines = [f"== {question.id} ({question.type}), seed {seed} ==", render(question.prompt, variant.values).strip()]
    if variant.values:
        lines.append("values: " + ", ".join(f"{k}={v}" for k, v in variant.values.items()))
    snippet = getattr(question, "snippet", None)
    if snippet:
        lines += ["--- snippet ---", render_snippet(snippet, variant.values).rstrip(), "---"]
    lines += type_of(question).preview(question, variant)
    lines.append(f"answer key: {key.shown}")
    if question.checks:
        from engine.quiz.checks import check_lines

        lines += [f"  check: {line}" for line in check_lines(question, variant, key)]
    for mistake_id, value in key.mistakes.items():
        lines.append(f"  mistake {mistake_id}: {value}")
    return "\n".join(lines) + "\n"
