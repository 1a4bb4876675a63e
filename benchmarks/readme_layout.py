"""The app as the README starts it, for benchmarks/lab_browser.py: a project folder with a
real `.venv` directory inside it, and `.venv/bin/streamlit run app.py` run from there.

The README's set-up is

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/streamlit run app.py

Where this checkout's `.venv` is already a real directory, the checkout itself is used.
Where it is a symlink (as in the engineers' worktrees), a temporary copy of the project is
made with `python3 -m venv .venv` inside it, and the installed packages of the running venv
are hard-linked into its site-packages: the same files that `pip install -r
requirements.txt` puts there, physically inside the project folder, without a download
(the benchmark machine has no network). What was done is printed.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from tests.browser import serve  # the same server start as the browser tests

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "artifacts", "data", ".pytest_cache"}  # top-level entries not copied


def project_with_real_venv(say) -> tuple[Path, Path | None]:
    """(project folder, temporary folder to delete or None)."""
    venv = ROOT / ".venv"
    if venv.is_dir() and not venv.is_symlink():
        say(f"layout: this checkout, {ROOT}, whose .venv is a real directory inside it")
        return ROOT, None
    temp = Path(tempfile.mkdtemp(prefix="lora-lab-readme-"))
    project = temp / "project"
    shutil.copytree(ROOT, project, ignore=_not_copied)
    base = getattr(sys, "_base_executable", None) or shutil.which("python3")
    subprocess.run([base, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    source = Path(sysconfig.get_paths()["purelib"])
    target = project / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    how = _link_tree(source, target)
    streamlit = project / ".venv" / "bin" / "streamlit"
    streamlit.write_text(f"#!{project / '.venv' / 'bin' / 'python'}\n"
                         "import sys\nfrom streamlit.web.cli import main\nsys.exit(main())\n")
    streamlit.chmod(0o755)
    say(f"layout: {ROOT}/.venv is a symlink, so a copy of the project was made at {project}, with "
        f"`python3 -m venv .venv` inside it and the {len(list(source.iterdir()))} entries of {source} "
        f"{how} into {target} (the files `pip install -r requirements.txt` installs, no download)")
    return project, temp


def _not_copied(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or (Path(folder) == ROOT and n in SKIP)]


def _link_tree(source: Path, target: Path) -> str:
    """Hard links when source and target share a file system (instant, no space), else copies."""
    try:
        subprocess.run(["cp", "-al", f"{source}/.", str(target)], check=True, capture_output=True)
        return "hard-linked"
    except (subprocess.CalledProcessError, FileNotFoundError):
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
        return "copied"


@contextlib.contextmanager
def readme_server(project: Path, say, env: dict | None = None, timeout: float = 120.0):
    """Yield (base URL, server pid) of `.venv/bin/streamlit run app.py`, run from the project folder.

    Only the port, the loopback address and headless mode (no browser window to open) are
    added to the README's command; every other setting comes from the project's config."""
    command = [".venv/bin/streamlit", "run", "app.py"]
    say(f"server: cd {project} && {' '.join(command)} (+ a free port on 127.0.0.1, headless)")
    with serve(command, project, env=env, log_dir=Path(tempfile.gettempdir()), timeout=timeout) as (base, process):
        yield base, process.pid
