"""What the server's file watcher watches, in the README's own layout: the project's
`.streamlit/config.toml` must keep Streamlit from watching the `.venv` that the README's
set-up puts inside the project folder (issue 10: that watch cost the server most of a core).

A probe runs in a fresh interpreter inside a temporary copy of that layout (app.py, the
project's config, and a real `.venv/lib/python3.11/site-packages/` with a package the app
imports), loads the config the way `streamlit run app.py` does, builds Streamlit's own
LocalSourcesWatcher and lists the folder trees it would watch. Streamlit's watchdog watcher
watches the folder of each watched file recursively (event_based_path_watcher.py,
`recursive=True`); the polling one watches single files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = r"""
import json, os, sys
from streamlit import config
from streamlit.watcher import path_watcher
from streamlit.watcher.local_sources_watcher import LocalSourcesWatcher

config._main_script_path = os.path.abspath("app.py")
config.get_config_options(force_reparse=True, options_from_flags=json.loads(sys.argv[1]))
sys.path.insert(0, os.path.abspath(".venv/lib/python3.11/site-packages"))
sys.path.insert(0, os.getcwd())
import fakepkg, localmod  # noqa: F401 - one installed library, one module of the app

class Pages:  # the one page of a st.navigation app: the entry script
    main_script_path = config._main_script_path
    def get_pages(self):
        return {"main": {"script_path": config._main_script_path}}

kind = path_watcher.get_default_path_watcher_class().__name__
watcher = LocalSourcesWatcher(Pages())
watcher.update_watched_modules()
paths = sorted(watcher._watched_modules)
recursive = kind == "EventBasedPathWatcher"
trees = sorted({os.path.dirname(p) if recursive else p for p in paths})
print(json.dumps({"kind": kind, "files": paths, "trees": trees, "recursive": recursive,
                  "post_script_gc": config.get_option("runner.postScriptGC")}))
"""


def readme_layout(tmp_path: Path) -> Path:
    """project/{app.py, localmod.py, .streamlit/config.toml, .venv/lib/python3.11/site-packages/fakepkg}."""
    project = tmp_path / "project"
    (project / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", project / ".streamlit" / "config.toml")
    (project / "app.py").write_text("import localmod\n")
    (project / "localmod.py").write_text("X = 1\n")
    package = project / ".venv" / "lib" / "python3.11" / "site-packages" / "fakepkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("Y = 2\n")
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return project


def probe(project: Path, flags: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(flags or {})], cwd=project, check=True,
                         capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def watches_venv(seen: dict, project: Path) -> bool:
    """True if a watched file or a recursively watched tree holds the project's .venv."""
    venv = (project / ".venv").resolve()
    for entry in seen["trees"]:
        path = Path(entry).resolve()
        if path == venv or venv in path.parents or (seen["recursive"] and path in venv.parents):
            return True
    return False


def test_the_projects_config_watches_nothing_in_the_readme_layout(tmp_path):
    project = readme_layout(tmp_path)
    seen = probe(project)
    assert seen["kind"] == "NoOpPathWatcher", seen
    assert seen["files"] == [] and not watches_venv(seen, project)


def test_the_probe_sees_the_venv_when_streamlits_default_watcher_is_on(tmp_path):
    """The control: Streamlit's default would watch the project folder, .venv included,
    so the test above can fail."""
    pytest.importorskip("watchdog")
    project = readme_layout(tmp_path)
    seen = probe(project, {"server.fileWatcherType": "watchdog"})
    assert seen["kind"] == "EventBasedPathWatcher"
    assert str((project / "localmod.py").resolve()) in seen["files"]
    assert watches_venv(seen, project)


def test_the_projects_config_skips_the_full_collection_after_every_run(tmp_path):
    """Streamlit's default runs gc.collect(2) after every script run, fragment runs included:
    with the lab's progress polling every second in every watching tab, that was most of the
    server's CPU (.streamlit/config.toml says how it was measured)."""
    assert probe(readme_layout(tmp_path))["post_script_gc"] is False
