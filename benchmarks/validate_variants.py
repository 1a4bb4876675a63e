"""Time `validate` over every variant of the shipped quizzes: `python benchmarks/validate_variants.py`.

What is measured: `engine.quiz.validation.validate_quiz` on each shipped quiz, parsed once
(schema only, no content checks), with every question's caches cleared first, so every
variant's key, mistakes, checks and giveaway test is computed as `python -m engine validate`
does. Times are CPU seconds of this process (`time.process_time`), so other processes on a
shared machine lengthen the wall time but not these figures; the load average is printed.

Goal (issue 11): every variant of the shipped content validated in under 10 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruamel.yaml import YAML

from engine.content.loader import QUIZ_DIR, yaml_files
from engine.quiz.schema import QuizFile
from engine.quiz.validation import validate_quiz
from engine.quiz.variants import variant_values


def main() -> int:
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; CPU seconds per quiz")
    total, variants = 0.0, 0
    for path in yaml_files(QUIZ_DIR):
        quiz = QuizFile.model_validate(YAML(typ="safe").load(path.read_text(encoding="utf-8")))
        count = sum(len(variant_values(q)[0]) for q in quiz.questions)
        for question in quiz.questions:
            question._cache.clear()
        start = time.process_time()
        problems = validate_quiz(quiz, every_variant=True)
        spent = time.process_time() - start
        total, variants = total + spent, variants + count
        print(f"{path.name:36} {len(quiz.questions):3} questions {count:7,} variants {spent:7.2f} s"
              f"{'' if not problems else f'  ({len(problems)} problems)'}")
    print(f"{'all':36} {'':13} {variants:7,} variants {total:7.2f} s  goal < 10 s: {'met' if total < 10 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
