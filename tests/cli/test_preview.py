"""`python -m engine preview`: the variant (snippet, options) and its answer key."""

from engine.__main__ import main

SEED = "quizzes/seed.yaml"


def test_preview_default_variant_shows_the_seed_numbers_and_key(capsys):
    assert main(["preview", SEED, "--question", "q3-printed-output"]) == 0
    out = capsys.readouterr().out
    assert "model_size = 1000  # in MB" in out and "compresses to 25%" in out
    assert "answer key: 252" in out and "mistake rounding: 253" in out


def test_preview_choice_marks_the_correct_option(capsys):
    assert main(["preview", SEED, "--question", "q1-lora-purpose"]) == 0
    out = capsys.readouterr().out
    assert " * B. To add small trainable parts that make training easier and cheaper" in out


def test_preview_seed_changes_the_variant(capsys):
    main(["preview", SEED, "--question", "q3-printed-output", "--seed", "0"])
    first = capsys.readouterr().out
    main(["preview", SEED, "--question", "q3-printed-output", "--seed", "9"])
    assert capsys.readouterr().out != first


def test_preview_all_questions_and_bad_id(capsys):
    assert main(["preview", SEED]) == 0
    assert capsys.readouterr().out.count("answer key:") == 6
    assert main(["preview", SEED, "--question", "nope"]) == 1
    assert "its questions:" in capsys.readouterr().err
