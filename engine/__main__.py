"""`python -m engine COMMAND ...`: the command line for every capability.

Each command is one module in `engine/cli/` exposing `HELP` (one line),
`add_arguments(parser)` and `run(args) -> int` (the exit code). Commands are
discovered, so adding one never touches this file. A command module imports
its heavy dependencies inside `run`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from engine import cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"engine.cli.{info.name}")
        except Exception as exc:  # one broken command must not take the others down
            broken = sub.add_parser(info.name, help=f"(unavailable: {exc})")
            broken.set_defaults(_run=lambda args, exc=exc: _unavailable(args, exc))
            continue
        name = getattr(module, "NAME", info.name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def _unavailable(args: argparse.Namespace, exc: Exception) -> int:
    print(f"command '{args.command}' is unavailable: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args._run(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe often shows only at this last flush
        return code
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly. Python docs, signal module, "Note on SIGPIPE":
        # point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
