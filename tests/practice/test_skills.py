"""Skills (engine/practice/skills.py): the shipped questions all name declared skills, an unknown
skill is reported as file:line:col by `validate`, and mistakes reveal skills by the stated rules."""

from __future__ import annotations

import shutil

from engine.content.loader import QUIZ_DIR, load_course
from engine.practice.skills import SKILLS_FILE, check_references, load_skills


def test_every_shipped_question_names_declared_skills():
    course, skills = load_course(), load_skills()
    assert not skills.problems and not check_references(course.quizzes, course.quiz_files, skills)
    untagged = [f"{q.id}/{x.id}" for q in course.quizzes.values() for x in q.questions if not x.skills]
    assert untagged == []


def test_an_unknown_skill_is_reported_with_file_line_and_column(tmp_path):
    broken = tmp_path / "seed.yaml"
    text = (QUIZ_DIR / "seed.yaml").read_text().replace("skills: [precedence]", "skills: [precedance]", 1)
    broken.write_text(text)
    course = load_course(quiz_files=[broken])
    [problem] = check_references(course.quizzes, course.quiz_files, load_skills())
    line = text.splitlines().index("    skills: [precedance]") + 1
    assert (problem.line, problem.path) == (line, "questions[4].skills[0]")
    assert "unknown skill 'precedance'" in problem.message and "precedence" in problem.message


def test_a_broken_skills_file_gives_its_own_problem(tmp_path):
    path = tmp_path / "skills.yaml"
    shutil.copy(SKILLS_FILE, path)
    path.write_text(path.read_text().replace("title: Order of operations", "titel: Order of operations"))
    skills = load_skills(path)
    assert not skills.by_id and any("titel" in str(p) and ":9:5:" in str(p) for p in skills.problems)


def test_which_skills_a_mistake_reveals():
    course, skills = load_course(), load_skills()
    q3 = course.quizzes["seed"].question("q3-printed-output")
    assert skills.of_mistake(q3, "rounding") == ("python-numbers",)  # by id, listed in skills.yaml
    q4 = course.quizzes["seed"].question("q4-fix-precedence")
    assert skills.of_mistake(q4, "base-only-compressed") == ("precedence",)
    assert skills.of_mistake(q4, "renamed") == tuple(q4.skills)  # not listed: the question's skills


def test_an_edit_shows_even_with_the_same_size_and_mtime(tmp_path):
    """Skills are cached by the file's bytes, as lessons and quizzes are, so an edit within one
    tick of the file system's clock, to a text of the same length, is not missed."""
    import os

    path = tmp_path / "skills.yaml"
    path.write_text("skills:\n  - id: aaaa\n    title: First\n", encoding="utf-8")
    assert set(load_skills(path).by_id) == {"aaaa"}
    stat = path.stat()
    path.write_text("skills:\n  - id: bbbb\n    title: First\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert set(load_skills(path).by_id) == {"bbbb"}
