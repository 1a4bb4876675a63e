"""`python -m engine schema`: write the JSON Schemas that editors use to check content files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "Write JSON Schemas for lesson and quiz files, for editors such as VS Code's YAML extension."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed schema is out of date, writing nothing")


def schemas() -> dict[Path, dict]:
    """Target file -> schema."""
    from engine.content.loader import LESSON_DIR, QUIZ_DIR
    from engine.content.schema import lesson_json_schema
    from engine.quiz.schema import quiz_json_schema

    return {LESSON_DIR / "schema.json": lesson_json_schema(), QUIZ_DIR / "schema.json": quiz_json_schema()}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    stale = []
    for path, schema in schemas().items():
        text = render(schema)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    for path in stale:
        print(f"{path}: out of date; run `python -m engine schema`")
    return 1 if stale else 0
