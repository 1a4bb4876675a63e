"""The pretraining corpus of the shipped model: simple English the project writes itself.

No download and no third-party text: a seeded generator fills story, workplace and
dictionary templates from hand-written word lists (the project's own text, under
the project's licence). The idea follows TinyStories (Eldan & Li 2023,
arXiv:2305.07759, section 2): a small vocabulary and simple grammar let a model of
a few million parameters write fluent, recognisable English.

The dictionary part ("Q: What is a kettle?\\nA: a pot for boiling water") teaches
the question/answer *format* with several wordings of each question, using only
ordinary words. The lab later teaches invented company terms in the same format,
so the fine-tune only has to learn new facts, not a new format.
"""

from __future__ import annotations

import random

NAMES = ["Tom", "Lily", "Max", "Sue", "Ben", "Mia", "Sam", "Anna", "Leo", "Kate", "Jack", "Emma",
         "Tim", "Zoe", "Dan", "Amy", "Joe", "Ella", "Nick", "Rosa"]
ANIMALS = ["dog", "cat", "bird", "fox", "rabbit", "duck", "frog", "bear", "mouse", "horse", "fish", "owl"]
PLACES = ["the park", "the forest", "the garden", "the beach", "the farm", "the town", "the river",
          "the hill", "the school", "the shop", "the lake", "the field"]
OBJECTS = ["ball", "kite", "box", "hat", "book", "cake", "toy", "boat", "flower", "stick", "shell",
           "drum", "apple", "cup", "key", "rock", "map", "bell"]
COLOURS = ["red", "blue", "green", "yellow", "big", "small", "shiny", "soft", "old", "new"]
FEELINGS = ["happy", "sad", "scared", "excited", "tired", "proud", "angry", "surprised", "calm"]
VERBS_PAST = ["ran", "jumped", "walked", "played", "sang", "danced", "looked around", "laughed", "smiled"]
FRIENDS = ["friend", "mom", "dad", "sister", "brother", "teacher", "grandma", "neighbor"]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "snowy", "cloudy"]
TIMES = ["One day", "One morning", "In the evening", "After lunch", "Later that day", "The next day"]
# Ordinary words and short definitions: the dictionary part of the corpus.
DICTIONARY = {
    "kettle": "a pot for boiling water", "ladder": "a set of steps you can carry",
    "pillow": "a soft thing for your head", "bridge": "a road over a river",
    "candle": "a stick of wax that gives light", "garden": "a place where plants grow",
    "library": "a room full of books", "bakery": "a shop that sells bread",
    "blanket": "a warm cover for a bed", "compass": "a tool that shows north",
    "wallet": "a small case for money", "hammer": "a tool for hitting nails",
    "umbrella": "a cover that keeps off rain", "printer": "a machine that puts words on paper",
    "calendar": "a chart of days and months", "teacher": "a person who helps you learn",
    "doctor": "a person who helps sick people", "farmer": "a person who grows food",
    "pilot": "a person who flies a plane", "island": "land with water all around",
    "desert": "a dry place with lots of sand", "forest": "a place with many trees",
    "river": "water that flows to the sea", "winter": "the cold time of the year",
    "summer": "the warm time of the year", "breakfast": "the first meal of the day",
    "dinner": "the last meal of the day", "clock": "a thing that tells the time",
    "mirror": "a glass that shows your face", "basket": "a box made of thin sticks",
    "meeting": "a time when people talk together", "office": "a room where people work",
    "manager": "the person who leads a team", "deadline": "the last day to finish a task",
    "invoice": "a bill that asks for payment", "badge": "a card that lets you in",
    "laptop": "a small computer you can carry", "password": "a secret word to log in",
    "email": "a message sent by computer", "budget": "a plan for spending money",
    "report": "a paper that tells what happened", "team": "a group that works together",
    "lunchroom": "the room where staff eat", "helpdesk": "the team that fixes computer problems",
    "payroll": "the list of who gets paid", "warehouse": "a big building for storing goods",
    "schedule": "a plan of when things happen", "contract": "a written deal between people",
    "feedback": "what people say about your work", "notebook": "a book for writing notes",
    "stapler": "a tool that joins paper", "elevator": "a box that carries people up",
    "parking lot": "a place to leave cars", "coffee": "a hot drink that wakes you up",
    "holiday": "a day when you do not work", "server": "a computer that serves files",
    "backup": "a spare copy of your files", "chart": "a picture made of numbers",
    "ticket": "a note that asks for help with a problem", "tracker": "a tool that keeps a list of tasks",
    "build": "a fresh copy of a program made from its code", "design": "a plan for how a thing should look",
    "proposal": "a plan that you offer to others", "app": "a program that runs on a phone",
    "mobile phone": "a phone you carry with you", "drive": "a place where files are kept",
    "file": "a saved piece of work on a computer", "code": "the words that tell a computer what to do",
    "review": "a careful look at some work", "approval": "a yes from the person in charge",
    "planning": "deciding what to do next", "document": "a paper or file with writing on it",
    "rota": "a list of who works when", "on-call": "ready to help at any hour of the day",
    "feature": "a thing that a program can do", "flag": "a switch that turns something on or off",
    "customer": "a person who buys from us", "inbox": "the place where new messages arrive",
    "quarter": "three months of the year", "internal": "used only inside the company",
    "nightly": "done every night", "weekly": "done every week", "shared": "used by many people",
    "hidden": "kept out of sight", "page": "one side of a sheet of paper",
}
# Office words for short work sentences, so a definition made of them reads as plain English.
OFFICE_ADJ = ["internal", "nightly", "weekly", "shared", "hidden", "quarterly", "mobile", "new", "old",
              "customer", "big", "small", "one-page", "monthly", "yearly", "secret"]
OFFICE_NOUNS = ["ticket", "tracker", "build", "server", "design", "proposal", "app", "drive", "file", "code",
                "review", "document", "rota", "feature", "flag", "inbox", "calendar", "report", "meeting",
                "plan", "team", "servers", "files", "approvals", "message", "budget"]
OFFICE_VERBS = ["checked", "opened", "updated", "fixed", "read", "sent", "closed", "shared", "planned",
                "wrote", "found", "needed", "asked for", "looked at", "talked about"]
# Wordings of a dictionary question; the lab (engine.lab.skill) uses the same ones.
QUESTION_TEMPLATES = ["What is {t}?", "What does {t} mean?", "Define {t}.", "What is meant by {t}?",
                      "Can you explain {t}?"]


def _story(rng: random.Random) -> str:
    """A short animal or child story: 4-9 sentences."""
    name, animal, place = rng.choice(NAMES), rng.choice(ANIMALS), rng.choice(PLACES)
    obj, colour, friend = rng.choice(OBJECTS), rng.choice(COLOURS), rng.choice(FRIENDS)
    he = rng.choice(["he", "she"])
    his = "his" if he == "he" else "her"
    lines = [
        rng.choice([f"Once upon a time, there was a little {animal} named {name}.",
                    f"{name} was a little {animal} who lived near {place}.",
                    f"There was a {rng.choice(COLOURS)} {animal} called {name}."]),
        f"{name} liked to play in {place} every day.",
        f"{rng.choice(TIMES)}, {he} found a {colour} {obj} under a tree.",
        rng.choice([f"{name} was very {rng.choice(FEELINGS)}.",
                    f"\"Look at this {obj}!\" said {name}.",
                    f"{name} {rng.choice(VERBS_PAST)} and showed it to {his} {friend}."]),
    ]
    extra = [
        f"The day was {rng.choice(WEATHER)}, so {he} {rng.choice(VERBS_PAST)} all the way home.",
        f"{his.capitalize()} {friend} said, \"That is a nice {obj}. Can I play too?\"",
        f"They played with the {obj} until the sun went down.",
        f"Then the {obj} fell into the water, and {name} felt {rng.choice(FEELINGS)}.",
        f"A kind {rng.choice(ANIMALS)} helped {name} get the {obj} back.",
        f"{name} learned that it is good to share.",
        f"At night, {name} put the {obj} next to {his} bed and went to sleep.",
    ]
    lines += rng.sample(extra, rng.randint(0, 4))
    lines.append(rng.choice(["The end.", f"{name} was {rng.choice(FEELINGS)} and went home.",
                             "From that day on, they were best friends."]))
    return " ".join(lines)


def _workday(rng: random.Random) -> str:
    """A short office scene, so workplace words are familiar before the lab."""
    name, other = rng.sample(NAMES, 2)
    word1, word2 = rng.sample(list(DICTIONARY), 2)
    return " ".join([
        f"{rng.choice(TIMES)}, {name} went to the office.",
        rng.choice([f"{name} had a {rng.choice(['short', 'long', 'busy'])} meeting with {other}.",
                    f"{other} asked {name} to check the {word1}.",
                    f"{name} wrote a report for the manager."]),
        f"A {word1} is {DICTIONARY[word1]}.",
        rng.choice([f"{other} said, \"We need the {word2} before the deadline.\"",
                    f"After lunch, {name} looked for the {word2}.",
                    f"The team talked about the {word2} and the budget."]),
        rng.choice(["Then everyone went home.", f"{name} was {rng.choice(FEELINGS)}.",
                    "It was a good day at work."]),
    ])


_SYLLABLES = ["bra", "dun", "fel", "gor", "hap", "jin", "kol", "lum", "mip", "nor", "pex", "quo", "ras",
              "sib", "tol", "vur", "wex", "yab", "zen", "cri", "dro", "fum", "gla", "plo", "tre", "ska"]
_ENDINGS = ["x", "n", "k", "t", "s", "ly", "o", "el", "ix", "et", "ar", ""]
_DEF_PATTERNS = ["the {a} {n} for the {n2}", "our {a} {n}", "a {n} that needs two {n2}",
                 "the {a} {n} of the {a2} {n2}", "the team that checks the {n2}", "a {a} {n} about the {n2}"]


def invented_names(count: int, seed: int) -> dict[str, str]:
    """`count` made-up product names with made-up meanings: 'Glaplox' -> 'our weekly tracker'.

    Real pretrained models know many rare names made of several tokens; these give the
    tiny model that habit (reading a multi-token name, then answering about it), so a
    fine-tune only has to add facts. Seeded apart from the corpus; the lab's own terms
    are never among them (tests/lab/test_corpus.py checks).
    """
    rng = random.Random(f"names-{seed}")
    names: dict[str, str] = {}
    while len(names) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(_ENDINGS)
        word = word.capitalize()
        if len(word) <= 11 and word not in names:
            names[word] = rng.choice(_DEF_PATTERNS).format(
                a=rng.choice(OFFICE_ADJ), a2=rng.choice(OFFICE_ADJ), n=rng.choice(OFFICE_NOUNS),
                n2=rng.choice(OFFICE_NOUNS))
    return names


NAMED = invented_names(400, seed=0)


def _named_qa(rng: random.Random) -> str:
    """A question about one invented product name, in the lab's format."""
    name = rng.choice(list(NAMED))
    return f"Q: {rng.choice(QUESTION_TEMPLATES).format(t=name)}\nA: {NAMED[name]}"


def _office_line(rng: random.Random) -> str:
    """One or two plain work sentences: 'Sam checked the nightly build.'"""
    name, adj, noun = rng.choice(NAMES), rng.choice(OFFICE_ADJ), rng.choice(OFFICE_NOUNS)
    first = f"{name} {rng.choice(OFFICE_VERBS)} the {adj} {noun}."
    return first + rng.choice(["", f" The {rng.choice(OFFICE_NOUNS)} was ready for the team.",
                               f" {rng.choice(NAMES)} said it needs two more days.",
                               f" It was for the {rng.choice(OFFICE_ADJ)} {rng.choice(OFFICE_NOUNS)}."])


def _dictionary_qa(rng: random.Random) -> str:
    """One ordinary word as a question and its answer, in the lab's format."""
    word = rng.choice(list(DICTIONARY))
    return f"Q: {rng.choice(QUESTION_TEMPLATES).format(t=word)}\nA: {DICTIONARY[word]}"


def build_corpus(n_docs: int, seed: int = 0) -> list[str]:
    """`n_docs` documents: 3/8 stories, 2/8 office scenes and lines, 3/8 questions and answers."""
    rng = random.Random(seed)
    makers = [_story] * 3 + [_workday, _office_line, _dictionary_qa, _named_qa, _named_qa]
    return [rng.choice(makers)(rng) for _ in range(n_docs)]
