"""engine/lab/corpus.py: the project's own pretraining text is seeded, varied English."""

from __future__ import annotations

from engine.lab.corpus import DICTIONARY, NAMED, QUESTION_TEMPLATES, build_corpus
from engine.lab.skill import DEFAULT_GLOSSARY, HELDOUT_TEMPLATES, TRAIN_TEMPLATES


def test_same_seed_same_corpus_other_seed_other_corpus():
    assert build_corpus(200, seed=3) == build_corpus(200, seed=3)
    assert build_corpus(200, seed=3) != build_corpus(200, seed=4)


def test_the_corpus_mixes_stories_office_scenes_and_dictionary_questions():
    docs = build_corpus(2000, seed=0)
    qa = [d for d in docs if d.startswith("Q: ")]
    assert 0.3 < len(qa) / len(docs) < 0.45
    assert any("Once upon a time" in d for d in docs) and any("office" in d for d in docs)
    prose = [d for d in docs if d not in qa]
    assert len(set(prose)) > 0.9 * len(prose)  # varied, not a handful of repeated lines
    for d in qa[:50]:
        question, answer = d.split("\nA: ")
        assert answer in DICTIONARY.values() or answer in NAMED.values()


def test_the_lab_terms_never_appear_in_pretraining():
    assert not {g.term.lower() for g in DEFAULT_GLOSSARY} & {n.lower() for n in NAMED}
    text = "\n".join(build_corpus(5000, seed=0)).lower()
    for entry in DEFAULT_GLOSSARY:
        assert entry.term.lower() not in text
        assert entry.definition.lower() not in text


def test_every_lab_question_wording_is_taught_in_pretraining():
    assert set(TRAIN_TEMPLATES + HELDOUT_TEMPLATES) <= set(QUESTION_TEMPLATES)
