"""QTI 3.0's namespaces and schema locations, and identifiers built from our ids.

1EdTech, "QTI 3.0 XML Schema and Vocabulary Documents" (2022-05-01): the ASI namespace for
items, sections and tests, and the content-packaging namespace for imsmanifest.xml.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
CP_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"



def identifier(*parts: str) -> str:
    """An identifier QTI accepts (an xs:NCName: starts with a letter): 'Q.seed.q3-worked.2'.

    Quiz and question ids are slugs ([a-z0-9-]), so '.' keeps the parts apart without collisions.
    """
    text = ".".join(re.sub(r"[^A-Za-z0-9_.-]", "_", str(part)) for part in parts)
    return f"Q.{text}"


def document(root: ET.Element, namespace: str, schema: str) -> bytes:
    """`root` as a UTF-8 XML document, its namespace the default and its schema location declared.

    Elements are built with plain names and the namespace declared on the root (`xmlns`), as the
    standard's examples write it: ElementTree's own default_namespace refuses plain attribute names,
    and register_namespace("", ...) is process-wide state, unsafe with two namespaces and threads.
    """
    root.set("xmlns", namespace)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{namespace} {schema}")
    _indent(root, 0)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _indent(element: ET.Element, level: int) -> None:
    """Indent element-only content for a human reader; text and mixed content (a <p>, a <pre>) stay as they are,
    since whitespace there is shown (ElementTree's own indent() would add it inside <pre>)."""
    children = list(element)
    mixed = (element.text or "").strip() or any((child.tail or "").strip() for child in children)
    if not children or mixed or element.tag in _TEXT_TAGS:
        return
    element.text = "\n" + "  " * (level + 1)
    for child in children:
        _indent(child, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    children[-1].tail = "\n" + "  " * level


_TEXT_TAGS = {"p", "pre", "code", "strong", "em", "qti-simple-choice", "qti-value"}
