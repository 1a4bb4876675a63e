"""Cold load time of the course: the shipped one, and a generated one of 60 lessons + 60 quizzes.

Issue 11 ("A course that grows"): the shipped course must load cold in <= 0.5 s and a
course of 60 lessons and 60 quizzes in <= 1.5 s, keeping file:line:col errors.

How it measures: the large course is generated into a temporary folder by copying the
shipped lessons and quizzes round-robin under new ids (lesson k has order k, the previous
lesson as prerequisite, and its own quiz), so every file is real content that validates.
Each run starts a fresh Python process (cold imports, empty caches) and reports, from
inside it with time.perf_counter: the import of engine.content.loader, then load_course()
on the files, with its CPU time (time.process_time), which is what it costs when the
machine is shared and wall time is mostly waiting. A second load_course() in the same process shows the cached cost (what
each page rerun pays). `--root` measures another checkout (e.g. an older commit) on the
same files.

    .venv/bin/python benchmarks/course_load.py [--repeat N] [--lessons 60] [--root PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
start = time.perf_counter()
from engine.content.loader import load_course
imported, cpu_start = time.perf_counter(), time.process_time()
lessons = [Path(p) for p in {lessons!r}]
quizzes = [Path(p) for p in {quizzes!r}]
course = load_course(lesson_files=lessons, quiz_files=quizzes)
loaded, cpu = time.perf_counter(), time.process_time() - cpu_start
load_course(lesson_files=lessons, quiz_files=quizzes)
again = time.perf_counter()
print(json.dumps({{"import": imported - start, "load": loaded - imported, "cpu": cpu, "cached": again - loaded,
                  "lessons": len(course.lessons), "quizzes": len(course.quizzes),
                  "problems": [str(p) for p in course.problems][:5]}}))
"""


def generate(folder: Path, n_lessons: int) -> tuple[list[Path], list[Path]]:
    """n lessons and n quizzes from the shipped ones, renamed so the course is consistent."""
    sys.path.insert(0, str(ROOT))
    import yaml

    from engine.content.loader import LESSON_DIR, QUIZ_DIR, yaml_files

    # the files as written, {result:...} placeholders included (the loader's own reading fills them in)
    shipped_lessons = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in yaml_files(LESSON_DIR)]
    shipped_quizzes = {q["id"]: q for q in (yaml.safe_load(p.read_text(encoding="utf-8")) for p in yaml_files(QUIZ_DIR))}
    lessons, quizzes = [], []
    for k in range(n_lessons):
        lesson = dict(shipped_lessons[k % len(shipped_lessons)])
        old_id, new_id = lesson["id"], f"l{k:03d}-{lesson['id']}"[:60]
        lesson.update(id=new_id, order=k + 1, prerequisites=[lessons[-1][1]] if lessons else [])
        lesson["sections"] = [dict(s, quiz=new_id) if s.get("type") == "quiz" else s for s in lesson["sections"]]
        quiz = dict(shipped_quizzes.get(old_id) or shipped_quizzes["seed"], id=new_id, lesson=new_id)
        for kind, data, store in (("lessons", lesson, lessons), ("quizzes", quiz, quizzes)):
            path = folder / kind / f"{new_id}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            store.append((path, new_id))
    return [p for p, _ in lessons], [p for p, _ in quizzes]


def measure(root: Path, lessons: list[Path], quizzes: list[Path]) -> dict:
    code = PROBE.format(root=str(root), lessons=[str(p) for p in lessons], quizzes=[str(p) for p in quizzes])
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(label: str, goal: float, runs: list[dict]) -> None:
    first = runs[0]
    load = [r["load"] for r in runs]
    total = [r["import"] + r["load"] for r in runs]
    print(f"{label}: {first['lessons']} lessons, {first['quizzes']} quizzes, {len(first['problems'])} problems {first['problems']}")
    cpu = statistics.median(r["cpu"] for r in runs)
    print(f"  load_course cold   median {statistics.median(load):.3f} s (min {min(load):.3f}, max {max(load):.3f}), "
          f"CPU {cpu:.3f} s  goal <= {goal} s")
    print(f"  import + load      median {statistics.median(total):.3f} s")
    print(f"  load_course cached median {statistics.median(r['cached'] for r in runs):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lessons", type=int, default=60, help="lessons (and as many quizzes) in the large course")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose engine/ is measured")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from engine.content.loader import LESSON_DIR, QUIZ_DIR, yaml_files

    print(f"cold course load in a fresh process, {args.repeat} runs each, engine from {args.root}")
    shipped = (yaml_files(LESSON_DIR), yaml_files(QUIZ_DIR))
    report("shipped course", 0.5, [measure(args.root, *shipped) for _ in range(args.repeat)])
    with tempfile.TemporaryDirectory() as folder:
        large = generate(Path(folder), args.lessons)
        report(f"generated course ({args.lessons} + {args.lessons})", 1.5, [measure(args.root, *large) for _ in range(args.repeat)])


if __name__ == "__main__":
    main()
