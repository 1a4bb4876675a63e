"""Printed text as QTI patterns, whitespace forgiven as the code_output type forgives it.

Its grader (engine/quiz/types/code_output.py) compares `normalize(answer) == normalize(printed)`:
spaces at the ends of lines, runs of spaces inside a line and blank lines do not count. As a
pattern over the text's words:

    words of one line      joined by [ \\t]+          (one or more spaces or tabs)
    lines                  joined by \\s*\\n\\s*        (a line break, blank lines and spaces around it)
    the whole              \\s* TEXT \\s*

A pattern must mean the same in XML Schema's regular expressions, which QTI names (they
match the whole response, and `^` and `$` are plain characters there), and in JavaScript's,
which browser players run: Citolab's qti-components 7.x calls RegExp.test, a search
anywhere in the response. So each literal character is written as both read it (a class
`[.]`, or an escape both define: `\\\\`, `\\[`, `\\]`, `\\^`, `\\-`), and a text is right when it
matches `whole` and not `around`:

    whole  = ws* TEXT ws*            around = \\S ws* TEXT | TEXT ws* \\S

Read as the standard reads them, `around` never matches a response `whole` accepts (that
would take a character besides the text's own), so the test is `whole`; read as a search,
`around` catches a response with anything but whitespace beside the text. Both readings
accept exactly what the grader accepts (tests/export/test_patterns.py checks it).
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
