"""Printed text as QTI patterns: whitespace forgiven as the code_output type (engine/quiz/types/code_output.py) forgives it.

Its grader compares `normalize(answer) == normalize(printed)`: spaces at the ends of
lines, runs of spaces inside a line and blank lines do not count. As a pattern over the
text's words:

    words of one line      joined by [ \\t]+          (one or more spaces or tabs)
    lines                  joined by \\s*\\n\\s*        (a line break, blank lines and spaces around it)
    the whole              \\s* TEXT \\s*

A pattern must mean the same in XML Schema's regular expressions (which QTI names; they
match the whole string, and `^` and `$` are plain characters there) and in JavaScript's
(what browser players run, searching anywhere): each literal character is written so that
both read it as itself, as a class `[.]` or an escape both know (`\\\\`, `\\[`, `\\]`, `\\^`, `\\-`).
See engine/export/qti_item.py for why a second pattern, `around`, comes with every text.
"""

from __future__ import annotations

_IN_CLASS = set(".?*+(){}|$")  # written as [c]
_ESCAPED = set("\\[]^-")  # written as \c (an escape XML Schema and JavaScript both define)


def whole_text_patterns(text: str, *, ignore_case: bool = False) -> tuple[str, str]:
    """(whole, around): `whole` matches `text` with any whitespace around and between its words;
    `around` matches it with something other than whitespace before or after."""
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    core = r"\s*\n\s*".join(r"[ \t]+".join(_literal(word, ignore_case) for word in words) for words in lines)
    core = f"({core})"
    return rf"\s*{core}\s*", rf"\S\s*{core}|{core}\s*\S"


def _literal(word: str, ignore_case: bool) -> str:
    out = []
    for char in word:
        if ignore_case and char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        elif char in _IN_CLASS:
            out.append(f"[{char}]")
        elif char in _ESCAPED:
            out.append(f"\\{char}")
        else:
            out.append(char)
    return "".join(out)
