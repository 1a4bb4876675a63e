"""1EdTech's QTI 3.0 schemas (vendored in tests/export/xsd/, see its README) compiled once, and a check
that names every problem with its file and line. lxml (libxml2) is pinned in requirements-test.txt."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

XSD = Path(__file__).parent / "xsd"
ASI = XSD / "imsqti_asiv3p0_sbacv1p0_v1p0.xsd"  # items, sections, tests
MANIFEST = XSD / "imsqtiv3p0_imscpv1p2_v1p0.xsd"


@lru_cache(maxsize=None)
def _schema(path: Path):
    from lxml import etree

    # no_network: every import resolves to a file here (one unused import is skipped, see the README).
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))


def problems(name: str, data: bytes) -> list[str]:
    """Schema errors in one file of a package, as 'name:line: message' (empty when valid)."""
    from lxml import etree

    schema = _schema(MANIFEST if name.endswith("imsmanifest.xml") else ASI)
    document = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    if schema.validate(document):
        return []
    return [f"{name}:{error.line}: {error.message}" for error in schema.error_log]
