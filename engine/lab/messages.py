"""What a learner may read of a failed run: the server's own paths taken out.

An error from a run can name files where the server keeps them ("/srv/lab/models/x/config.json",
a cache under the service account's home, a traceback's site-packages). A learner needs to know
what went wrong, not where the server's files live (issue 21), so each absolute path is cut to
its last component, "…/config.json". The instructor sees the unredacted detail on the Lab page.
"""

from __future__ import annotations

import re

# An absolute POSIX path: a "/" that does not follow a word character, ":", "/" or "." (so the path
# of a URL such as https://host/a/b stays whole), then one or more components.
_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/'\"()<>\[\]{},;|`]+/)*([^\s/'\"()<>\[\]{},;|`]*)")


def without_paths(text: str | None) -> str:
    """`text` with every absolute path replaced by "…/" and its last component."""
    return _PATH.sub(lambda m: f"…/{m.group(1)}" if m.group(1) else "…/", text or "")
