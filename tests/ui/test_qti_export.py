"""ui/components/qti_export.py on the instructor dashboard (AppTest): the QTI package is built on request
with the chosen number of variants, its summary is shown, and the download is the same package
`python -m engine export` writes."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from engine.content.loader import load_course
from engine.export.qti_package import export_qti
from tests.conftest import ROOT


@pytest.fixture
def dashboard(tmp_path, monkeypatch):
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path))
    for name in ("DATABASE_URL", "INSTRUCTOR_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["INSTRUCTOR_PASSWORD"] = "pw"
    at.session_state["instructor_unlocked"] = hashlib.sha256(b"pw").hexdigest()
    at.run()
    at._page_hash = calc_hash("instructor")  # a deep link to /instructor (tests/apptest.py)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def build_button(at):
    return next(b for b in at.button if b.label == "Build the QTI package")


def test_nothing_is_built_until_asked(dashboard):
    assert any(s.value == "Quizzes for your LMS (QTI 3.0)" for s in dashboard.subheader)
    assert not dashboard.get("download_button") or all(
        "course-qti" not in str(d.proto) for d in dashboard.get("download_button"))


def test_the_package_is_built_with_its_summary_and_offered_for_download(dashboard):
    next(n for n in dashboard.number_input if n.label.startswith("Variants")).set_value(2).run()
    build_button(dashboard).click().run()
    assert not dashboard.exception, [e.value for e in dashboard.exception]
    expected = export_qti(list(load_course().quizzes.values()), variants=2)
    summary = expected.summary_lines()[0]
    assert any(summary in m.value and "(2 variant(s)" in m.value for m in dashboard.markdown)
    notes = dashboard.dataframe[-1].value
    manual = notes[notes["export"] == "for manual scoring"]
    assert sorted(manual["question"]) == sorted(q.question for q in expected.questions if q.status == "manual")
    assert all("equivalent" in why for why in manual["why"])
    built = dashboard.session_state["qti_export"][1]
    assert built.data == expected.data  # the download is the CLI's package, byte for byte
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(built.data)).namelist()
    download = [d for d in dashboard.get("download_button") if "course-qti.zip" in str(d.proto)]
    assert len(download) == 1
