"""LoRA Lab engine: every piece of logic the app uses, with no Streamlit.

One package per concept (STYLE.md §1), one module per idea inside it:

    sandbox/   the safe evaluator: snippets and expressions, never eval/exec
    maths/     LoRA counts, NF4 and double quantization, the memory model and its measurement
    quiz/      quiz schema, units, variants, answer keys, mistakes, grading, validation
    lab/       the live lab: settings, fine-tuning, skill, corpus, pretraining, memory at scale, runs
    jobs/      running work: the job queue, its worker processes, fair turns, threads, Ray
    content/   lessons: schema, figure registry, the YAML loader and its problems
    progress/  the progress store: tables, values, store, class report
    practice/  skills, mastery (BKT, fitted by EM), forgetting (FSRS), the next question, lab-run questions
    export/    quizzes to other systems: a QTI 3.0 content package for any LMS
    cli/       `python -m engine COMMAND`, one module per command

The packages form layers. An arrow is "may import"; nothing else is allowed, and
tests/test_layering.py fails on any import (lazy ones too) that breaks this table
or closes a loop between modules:

    content ──▶ quiz ─────────▶ sandbox
       ├──▶ lab.settings
       └──▶ maths ◀── lab          jobs ──▶ progress (its job records)
    progress            (stands alone)
    practice ──▶ quiz, progress, content
    export ──▶ quiz
    cli ──▶ any package

lab (training) and jobs (running work) never import each other: the pages and the CLI
hand the queue a job function by name ("engine.lab.finetune:run_lab"), and the queue
imports it only inside its worker process.

`LAYERS` below is that table, read by the test. Heavy libraries (torch,
transformers, peft, bitsandbytes) are imported inside the functions that need
them, so loading lessons and quizzes stays light.
"""

from pathlib import Path

# The project root: lessons/, quizzes/ and models/ live here.
ROOT = Path(__file__).resolve().parent.parent

# package -> what else under engine/ it may import (besides itself and ROOT), as a
# package ("quiz") or one module of a package ("lab.settings").
LAYERS: dict[str, tuple[str, ...]] = {
    "sandbox": (),
    "maths": (),
    "progress": (),
    "quiz": ("sandbox",),
    "lab": ("maths",),
    "jobs": ("progress",),
    "content": ("quiz", "lab.settings", "maths"),
    "practice": ("quiz", "progress", "content"),
    "export": ("quiz",),
    "cli": ("sandbox", "maths", "progress", "quiz", "lab", "jobs", "content", "practice", "export"),
}
