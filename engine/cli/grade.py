"""`python -m engine grade QUIZ_FILE QUESTION_ID ANSWER [--seed N] [--json]`: what a learner would get."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HELP = "Grade one answer exactly as a learner's would be: score 0-1, correct, feedback, mistake id."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # A negative number is an answer, not an option: `grade ... -1e3` and `grade ... "-5 MB"` need no `--`.
    # argparse keeps this test in `_negative_number_matcher` (only -5 and -.5 by default); there is no
    # option here that looks like a number, so every `-<digit>` or `-.<digit>` argument is positional.
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    parser.add_argument("quiz_file", type=Path, help="a quizzes/*.yaml file")
    parser.add_argument("question_id")
    parser.add_argument("answer", help="the answer as typed; for worked questions separate lines with \\n; "
                                       "an answer that starts with '-' but is not a number goes after `--`")
    parser.add_argument("--seed", type=int, default=0, help="variant seed (0 = the default values; default 0)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from engine.cli._quiz_file import CliError, load_quiz, pick_question
    from engine.quiz.grading import AnswerFormatError, grade_answer

    if args.seed < 0:
        print("error: --seed must be 0 or more", file=sys.stderr)
        return 1
    try:
        question = pick_question(load_quiz(args.quiz_file), args.question_id)
        result = grade_answer(question, args.answer.replace("\\n", "\n"), seed=args.seed)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AnswerFormatError as exc:
        # What the learner sees for an unreadable answer; it costs no attempt.
        if args.json:
            print(json.dumps({"format_error": str(exc)}))
        else:
            print(f"format error (no attempt used): {exc}")
        return 2
    except ValueError as exc:  # content that cannot be computed (SnippetError is a ValueError)
        print(f"error: question '{args.question_id}' cannot be graded: {exc}", file=sys.stderr)
        return 1
    except (ArithmeticError, RecursionError, MemoryError, TypeError) as exc:  # a bug: one line, never a traceback
        print(f"error: question '{args.question_id}' could not grade this answer "
              f"({type(exc).__name__}: {str(exc)[:200]}); please report it", file=sys.stderr)
        return 1
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    print(f"score: {result.score:g}\ncorrect: {'yes' if result.correct else 'no'}\n"
          f"mistake: {', '.join(result.mistakes) or '-'}")
    print(f"feedback: {result.feedback}")
    for mark in result.steps:
        print(f"  step {mark.step}: {'right' if mark.correct else 'wrong'}: {mark.line}  ({mark.feedback})")
    return 0
