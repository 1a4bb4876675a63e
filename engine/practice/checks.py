"""What `python -m engine validate` checks for practice: practice/skills.yaml and
practice/lab-run.yaml parse and validate, and every skill a quiz or a lab-run question
names is declared. Each problem is file:line:col, like the loader's."""

from __future__ import annotations

from engine.content.problems import Problem
from engine.practice.lab_questions import LAB_QUESTIONS_FILE, load_lab_questions
from engine.practice.skills import SKILLS_FILE, check_references, load_skills

PRACTICE_DIR = SKILLS_FILE.parent


def practice_problems(course) -> list[Problem]:
    """Problems of the practice files and of the skill references in the loaded quizzes."""
    skills = load_skills()
    lab, lab_problems = load_lab_questions()
    problems = list(skills.problems) + lab_problems + check_references(course.quizzes, course.quiz_files, skills)
    if lab is not None:
        problems += check_references({lab.id: lab.as_quiz()}, {lab.id: LAB_QUESTIONS_FILE}, skills,
                                     inner=".question")
    return problems
