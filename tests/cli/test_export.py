"""`python -m engine export`: the package written where asked, its summary printed, bad input one line."""

import io
import zipfile

from engine.__main__ import main


def test_export_all_writes_the_package_and_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "course-qti.zip"
    assert main(["export", "--format", "qti3", "--all", "-o", str(out), "--variants", "2"]) == 0
    printed = capsys.readouterr().out
    assert "for manual scoring" in printed and f"wrote {out}" in printed
    names = zipfile.ZipFile(io.BytesIO(out.read_bytes())).namelist()
    assert "imsmanifest.xml" in names and "test-seed.xml" in names
    assert "items/seed/q3-printed-output-2.xml" in names and "items/seed/q3-printed-output-3.xml" not in names


def test_export_one_quiz_file(tmp_path, capsys):
    out = tmp_path / "seed.zip"
    assert main(["export", "quizzes/seed.yaml", "-o", str(out)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert {n.split("/")[1] for n in names if n.startswith("items/")} == {"seed"}
    assert "6 questions" in capsys.readouterr().out


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.zip"
    assert main(["export", "-o", str(out)]) == 1
    assert "give quiz files or folders, or --all" in capsys.readouterr().err
    assert main(["export", "quizzes/nope.yaml", "-o", str(out)]) == 1
    assert "quizzes/nope.yaml: no such file or folder" in capsys.readouterr().err
    assert main(["export", "--all", "--variants", "0", "-o", str(out)]) == 1
    assert "--variants must be between 1 and 50" in capsys.readouterr().err
    bad = tmp_path / "quizzes" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("id: bad\ntitle: Bad\nquestions:\n  - id: q\n    type: choice\n")
    assert main(["export", str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "nothing was written" in err
    assert not out.exists()
    assert main(["export", "--all", "-o", str(tmp_path / "no-such-dir" / "x.zip")]) == 1
    assert "cannot write the package" in capsys.readouterr().err
