"""docs/authoring.md tells Canvas and Moodle users to turn the QTI 3.0 package into QTI 2.1 with Citolab's
converter (citolab-qti-convert, pinned in requirements-test.txt): every item and test converts, and the only
warnings are the QTI 3 attributes of the items a person scores, as the guide says."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

from engine.content.loader import load_course
from engine.export.qti_package import export_qti

QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


def test_the_package_converts_to_qti21_as_the_guide_says(tmp_path):
    from qti_convert import downgrade_package

    package = tmp_path / "course-qti.zip"
    package.write_bytes(export_qti(list(load_course().quizzes.values()), variants=2).data)
    result = downgrade_package(str(package), str(tmp_path / "course-qti21.zip"))
    kinds = {re.search(r'Attribute "([\w-]+)" on ([\w-]+)', str(w)).groups() for w in result.warnings}
    assert kinds == {("external-scored", "qti-outcome-declaration"), ("use", "qti-rubric-block")}
    assert all("fix" in str(w) for w in result.warnings)  # only the fix_expression items (scored by a person)

    converted = zipfile.ZipFile(tmp_path / "course-qti21.zip")
    items = [n for n in converted.namelist() if n.startswith("items/")]
    assert items and all(ET.fromstring(converted.read(n)).tag == f"{QTI21}assessmentItem" for n in items)
    tests = [n for n in converted.namelist() if n.startswith("test-")]
    assert tests and all(ET.fromstring(converted.read(n)).tag == f"{QTI21}assessmentTest" for n in tests)
