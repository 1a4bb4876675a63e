"""Architecture rules (STYLE.md §1, engine/__init__.py): engine/ never imports Streamlit;
the engine's packages import only along the arrows of `engine.LAYERS`; training (engine/lab)
and running work (engine/jobs) know nothing of each other; ui/ components never import
pages; and no import loop exists anywhere in engine/ or ui/.

Every import counts, the lazy ones inside functions too: a loop through a late import
is still a loop, it only fails later. Each rule has a planted offender, so a rule that
stopped seeing anything would fail here rather than pass quietly.
"""

from __future__ import annotations

import ast
from pathlib import Path

from engine import LAYERS
from tests.conftest import ROOT


def imported_modules(path) -> set[str]:
    """Top-level names of every module `path` imports, anywhere in the file."""
    return {name.split(".")[0] for name in imports_of(path)}


def imports_of(path: Path) -> set[str]:
    """Dotted names `path` imports; `from a.b import c` gives `a.b.c` (resolved later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def module_graph(root: Path, tops=("engine", "ui")) -> dict[str, set[str]]:
    """module -> the project modules it imports, for every .py file under root/<tops>."""
    files = {}
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for module, path in files.items():
        targets = set()
        for name in imports_of(path):
            # `from engine.maths import lora` names a module; `from engine.maths.lora import x` a symbol.
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def layer_violations(graph: dict[str, set[str]], layers=LAYERS) -> list[str]:
    """Imports between engine packages that engine.LAYERS does not allow."""
    bad = []
    for module, targets in graph.items():
        parts = module.split(".")
        if parts[0] != "engine" or len(parts) < 2 or parts[1] not in layers:
            continue
        package = parts[1]
        for target in targets:
            tparts = target.split(".")
            if tparts[0] != "engine" or target == "engine" or tparts[1] == package:
                continue
            inner = ".".join(tparts[1:])
            if not any(inner == allowed or inner.startswith(allowed + ".") for allowed in layers[package]):
                bad.append(f"{module} -> {target}")
    return sorted(bad)


def ui_violations(graph: dict[str, set[str]]) -> list[str]:
    """Components and widgets never import pages or the page registry; pages never import the registry."""
    bad = []
    for module, targets in graph.items():
        for target in targets:
            if module.startswith(("ui.components", "ui.widgets")) and target.startswith(("ui.pages", "ui.navigation")):
                bad.append(f"{module} -> {target}")
            if module.startswith("ui.pages") and target.startswith("ui.navigation"):
                bad.append(f"{module} -> {target}")
    return sorted(bad)


def import_loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan 1972), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(loops)


def test_nothing_under_engine_imports_streamlit():
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) > 5
    offenders = [str(p.relative_to(ROOT)) for p in files if "streamlit" in imported_modules(p)]
    assert offenders == []


def test_the_rule_would_catch_an_offender(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from streamlit import session_state\n", encoding="utf-8")
    assert "streamlit" in imported_modules(sample)


def test_engine_packages_import_only_along_the_layers():
    graph = module_graph(ROOT)
    assert {m.split(".")[1] for m in graph if m.count(".") >= 1 and m.startswith("engine.")} >= set(LAYERS)
    assert layer_violations(graph) == []


# What "knows about LoRA" means for engine/jobs: the lab and the maths behind it, and the
# libraries that train. A worker imports them, through the job function it is given by name.
LORA = ("engine.lab", "engine.maths", "peft", "transformers", "bitsandbytes")


def lora_knowledge(root: Path, package: str = "jobs") -> list[str]:
    """Imports of LORA modules, and strings naming an engine.lab module (a job target written
    into the queue), in engine/<package>/. Docstrings count too: they may point to a file
    ("engine/lab/finetune.py"), never name a module the code could import."""
    found = []
    for path in sorted((root / "engine" / package).rglob("*.py")):
        where = path.relative_to(root).as_posix()
        found += [f"{where} imports {name}" for name in sorted(imports_of(path))
                  if any(name == m or name.startswith(m + ".") for m in LORA)]
        found += [f"{where} names {node.value!r}" for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and "engine.lab." in node.value]
    return found


def test_training_and_running_work_know_nothing_of_each_other():
    graph = module_graph(ROOT)
    lab_to_jobs = sorted(f"{m} -> {t}" for m, targets in graph.items() if m.startswith("engine.lab")
                         for t in targets if t.startswith("engine.jobs"))
    assert any(m.startswith("engine.jobs.") for m in graph) and any(m.startswith("engine.lab.") for m in graph)
    assert lab_to_jobs == []
    assert lora_knowledge(ROOT) == []


def test_a_planted_lora_import_in_jobs_is_caught(tmp_path):
    _plant(tmp_path, {
        "engine/jobs/queue.py": "TARGET = 'engine.lab.finetune:run_lab'\n",
        "engine/jobs/ray_backend.py": "def f():\n    from engine.maths.memory import estimate\n    import peft.tuners\n",
        "engine/jobs/worker.py": "import importlib\n",
    })
    assert lora_knowledge(tmp_path) == [
        "engine/jobs/queue.py names 'engine.lab.finetune:run_lab'",
        "engine/jobs/ray_backend.py imports engine.maths.memory.estimate",
        "engine/jobs/ray_backend.py imports peft.tuners",
    ]


def test_ui_components_never_import_pages():
    graph = module_graph(ROOT)
    assert any(m.startswith("ui.pages.") for m in graph) and any(m.startswith("ui.components.") for m in graph)
    assert ui_violations(graph) == []


def test_no_import_loops_in_engine_or_ui():
    graph = module_graph(ROOT)
    assert len(graph) > 60
    assert import_loops(graph) == []


def _plant(root: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return module_graph(root)


def test_a_planted_bad_import_breaks_the_layers(tmp_path):
    """The sandbox may import nothing else: a lazy import of the quiz package is caught."""
    graph = _plant(tmp_path, {
        "engine/__init__.py": "",
        "engine/sandbox/__init__.py": "def f():\n    from engine.quiz.grading import grade\n",
        "engine/quiz/__init__.py": "",
        "engine/quiz/grading.py": "from engine.sandbox import f\n",
        "engine/content/loader.py": "from engine.lab.finetune import run_lab\nfrom engine.lab.settings import LabSettings\n",
        "engine/lab/finetune.py": "", "engine/lab/settings.py": "",
        "engine/lab/runs.py": "from engine.jobs.queue import JobQueue\n", "engine/jobs/queue.py": "",
        "ui/components/question.py": "from ui.pages import quiz\n",
        "ui/pages/quiz.py": "from ui.components import question\n",
    })
    assert layer_violations(graph) == ["engine.content.loader -> engine.lab.finetune",
                                       "engine.lab.runs -> engine.jobs.queue",
                                       "engine.sandbox -> engine.quiz.grading"]
    assert ui_violations(graph) == ["ui.components.question -> ui.pages.quiz"]
    assert import_loops(graph) == [["engine.quiz.grading", "engine.sandbox"],
                                   ["ui.components.question", "ui.pages.quiz"]]
