"""Tables of the progress store, and the ordered migrations that build them.

The tables (SQLAlchemy Core, https://docs.sqlalchemy.org/en/20/core/metadata.html):

    learners           one row per learner: display name, a hash of their code, OIDC subject
    attempts           one row per graded answer (PrairieLearn's generate → parse → grade,
                       STYLE.md §4): seed, raw and parsed answer, score, named mistake,
                       feedback, and the variant's parameter values as JSON
    lab_runs           one row per finished lab run: method and its measurements as JSON
    lessons_completed  (learner, lesson) pairs, once each
    lab_jobs           one row per lab job on either queue: owner, settings, state, progress,
                       losses, result, error and times (engine/progress/jobs.py)
    bkt_params         the parameters of knowledge tracing last fitted from the class: one row
                       per skill (P(L0), T, S, G, F, T after a slip) and per choice question
                       (its G), with the evidence behind each (engine/progress/fits.py)
    limits             counters of wrong guesses and new learners per session, client address
                       and server, shared by every app process (engine/progress/throttle.py)
    schema_version     one row per migration applied, so an old database is upgraded
                       in place without losing rows

JSON is stored as TEXT (canonical: sorted keys), not a JSON column type, so that the
same column can be grouped on in SQLite and PostgreSQL alike (PostgreSQL's `json`
type has no equality operator). Migrations are plain functions, applied in order
inside one write transaction; each is written once and never edited afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection

from engine.progress.values import DIGEST_LENGTH, NAME_MAX, code_digest, normalise_code


metadata = MetaData()

# The current schema (after every migration below). Queries use these objects.
learners = Table(
    "learners", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_MAX), nullable=False),
    # the learner's code is a credential: only its scrypt digest is kept (values.code_digest, version 9)
    Column("code_hash", String(DIGEST_LENGTH), nullable=False, unique=True),
    Column("subject", String(255), unique=True),  # OIDC identity ("sub" or email) when logged in
    Column("created_at", DateTime(timezone=True), nullable=False),
)

attempts = Table(
    "attempts", metadata,
    Column("id", Integer, primary_key=True),  # increasing: the lowest id per learner is the first try
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("quiz_id", String(200), nullable=False),
    Column("question_id", String(200), nullable=False),
    Column("seed", BigInteger, nullable=False),  # variant seed, 0 ≤ seed < 2**62
    Column("raw", Text, nullable=False),  # exactly what the learner typed
    Column("parsed", Text, nullable=False),  # JSON of the parsed answer
    Column("score", Float, nullable=False),  # 0..1
    Column("mistake_id", String(200)),  # the named mistake the grader diagnosed, if any
    Column("feedback", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("params", Text, nullable=False, server_default="{}"),  # v2: JSON of the variant's values
    Column("correct", Boolean, nullable=False, server_default=text("false")),  # v2
    # solution_seen: the learner had opened this variant's solution before submitting (issue 14)
    Column("solution_seen", Boolean, nullable=False, server_default=text("false")),
    # v8: JSON list of every mistake the answer showed (two wrong options linked to two mistakes), mistake_id first
    Column("mistakes", Text, nullable=False, server_default="[]"),
)

lab_runs = Table(
    "lab_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("method", String(50), nullable=False),  # "full", "lora", "qlora"
    Column("measurements", Text, nullable=False),  # JSON: seconds, skill, memory, loss curve...
    Column("created_at", DateTime(timezone=True), nullable=False),
)

lessons_completed = Table(
    "lessons_completed", metadata,
    Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True),
    Column("lesson_id", String(200), primary_key=True),
    Column("completed_at", DateTime(timezone=True), nullable=False),
)

lab_jobs = Table(  # version 5; times are time.time() seconds (UTC epoch), as the queue reports them
    "lab_jobs", metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),  # "learner-<id>" or "session-<token>": whose cap and turn
    Column("submitter", String(100)),  # display name for the instructor, if known
    Column("label", String(100), nullable=False),  # e.g. the method
    Column("grp", String(64)),  # jobs submitted together as one comparison
    Column("target", String(200), nullable=False),  # "module:function"
    Column("settings", Text, nullable=False),  # JSON of the job's arguments, for display
    Column("backend", String(16), nullable=False),  # "local" or "ray"
    Column("device", String(16), nullable=False),
    Column("resources", Text, nullable=False),  # JSON, e.g. {"GPU": 0.02} asked of Ray
    Column("state", String(16), nullable=False),  # queued, running, done, failed, cancelled
    Column("progress", Text, nullable=False),  # JSON of the latest progress payload
    Column("losses", Text, nullable=False),  # JSON list of every loss so far
    Column("result", Text),  # JSON of the job's result, once done
    Column("error", Text),
    Column("detail", Text),
    Column("exitcode", Integer),
    Column("runner", String(100)),  # the app process (local) or Ray actor (ray) that runs it
    Column("cancel_requested", Boolean, nullable=False),
    Column("submitted_at", Float, nullable=False),
    Column("dispatched_at", Float),  # handed to Ray (ray backend only)
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("heartbeat_at", Float),  # the runner's last sign of life
    Column("client", String(DIGEST_LENGTH)),  # version 11: SHA-256 of the address of an owner not signed in
)

limits = Table(  # version 10; times are time.time() seconds
    "limits", metadata,
    Column("kind", String(40), primary_key=True),  # "learner code", "instructor password", "new learner"
    Column("scope", String(16), primary_key=True),  # "session", "address" or "server"
    Column("key", String(DIGEST_LENGTH), primary_key=True),  # SHA-256 of the session id or address: no address kept
    Column("count", Integer, nullable=False),  # events (wrong guesses, learners made) in the current window
    Column("window_start", Float, nullable=False),
    Column("strikes", Integer, nullable=False),  # events past the free ones: the pace doubles with each
    Column("next_at", Float, nullable=False),  # no attempt of this key is checked before this time
    Column("seen_at", Float, nullable=False),  # last activity; idle rows are deleted
)

bkt_params = Table(  # version 7; replaced as a whole by each fit
    "bkt_params", metadata,
    Column("scope", String(16), primary_key=True),  # "skill", or "question" (the G of one choice question)
    Column("name", String(450), primary_key=True),  # the skill id, or "quiz/question"
    Column("p_init", Float),  # P(L0), T, S: skill rows only
    Column("p_learn", Float),
    Column("p_slip", Float),
    Column("p_guess", Float, nullable=False),  # G: a skill's typed answers, or the question's
    Column("evidence", Integer, nullable=False),  # answers the fit used
    Column("learners", Integer, nullable=False),
    Column("data_weight", Float, nullable=False),  # 0..1: how much of the value is the data's, the rest the default's
    Column("mastered", Float),  # skill rows: share of the learners who practised it who had mastered it, 0..1
    Column("fitted_at", DateTime(timezone=True), nullable=False),
    Column("p_forget", Float),  # version 12; skill rows: F, share forgotten per day (NULL: FSRS's curve)
    Column("p_learn_slip", Float),  # version 12; skill rows: T of a practice right after a named slip (NULL: T)
)

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def _v1_initial(conn: Connection) -> None:
    """Version 1: the four tables, attempts without `params` and `correct`. Spelled out in
    full (not copied from the tables above) so that later schema edits never change it."""
    v1 = MetaData()
    Table("learners", v1, Column("id", Integer, primary_key=True), Column("name", String(NAME_MAX), nullable=False),
          Column("code", String(16), nullable=False, unique=True), Column("subject", String(255), unique=True),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("attempts", v1, Column("id", Integer, primary_key=True),
          Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
          Column("quiz_id", String(200), nullable=False), Column("question_id", String(200), nullable=False),
          Column("seed", BigInteger, nullable=False), Column("raw", Text, nullable=False),
          Column("parsed", Text, nullable=False), Column("score", Float, nullable=False),
          Column("mistake_id", String(200)), Column("feedback", Text, nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("lab_runs", v1, Column("id", Integer, primary_key=True),
          Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
          Column("method", String(50), nullable=False), Column("measurements", Text, nullable=False),
          Column("created_at", DateTime(timezone=True), nullable=False))
    Table("lessons_completed", v1, Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True),
          Column("lesson_id", String(200), primary_key=True),
          Column("completed_at", DateTime(timezone=True), nullable=False))
    v1.create_all(conn)


def _v2_params_and_correct(conn: Connection) -> None:
    """Version 2: attempts keep the variant's parameter values and an explicit `correct`
    flag (backfilled as score = 1), for results by parameter value (PrairieLearn#1849)."""
    conn.execute(text("ALTER TABLE attempts ADD COLUMN params TEXT NOT NULL DEFAULT '{}'"))
    conn.execute(text("ALTER TABLE attempts ADD COLUMN correct BOOLEAN NOT NULL DEFAULT false"))
    conn.execute(text("UPDATE attempts SET correct = (score >= 1)"))


def _v3_indexes(conn: Connection) -> None:
    """Version 3: indexes for a learner's own page and the per-question class report."""
    for index in INDEXES:
        index.create(conn)


INDEXES = [  # version 3, as it shipped (version 4 replaces ix_attempts_question)
    Index("ix_attempts_learner", attempts.c.learner_id, attempts.c.id),
    Index("ix_attempts_question", attempts.c.quiz_id, attempts.c.question_id, attempts.c.learner_id, attempts.c.id),
    Index("ix_lab_runs_learner", lab_runs.c.learner_id),
]


def _v4_report_indexes(conn: Connection) -> None:
    """Version 4: covering indexes for the class report, so each GROUP BY walks an index in
    order instead of sorting 100,000 rows (measured by benchmarks/progress.py: ~1.1 s → ~0.2 s
    on SQLite). PostgreSQL refuses B-tree entries over ~2.7 kB (docs, "Index Types"), so
    there the free-text answer columns stay out of the index."""
    long_text_ok = conn.dialect.name == "sqlite"
    conn.execute(text("DROP INDEX ix_attempts_question"))
    statements = {
        "ix_attempts_first_try": "quiz_id, question_id, learner_id, id, correct",
        "ix_attempts_params": "quiz_id, question_id, params, correct",
        "ix_attempts_wrong": "correct, quiz_id, question_id, " + ("parsed, mistake_id, raw" if long_text_ok
                                                                  else "mistake_id"),
        "ix_attempts_mistake": "mistake_id, learner_id",
    }
    for name, columns in statements.items():
        conn.execute(text(f"CREATE INDEX {name} ON attempts ({columns})"))


def _v5_solution_seen(conn: Connection) -> None:
    """Version 5: attempts record whether the solution was open before the answer was submitted, so a
    right answer copied from it is not counted as right at the first try (issue 14).
    Earlier rows get false: nothing recorded a view before."""
    conn.execute(text("ALTER TABLE attempts ADD COLUMN solution_seen BOOLEAN NOT NULL DEFAULT false"))


def _v6_lab_jobs(conn: Connection) -> None:
    """Version 6: lab job records outside the app process, so every app replica shows every
    job and a restart loses none (issue 12). Spelled out in full, like version 1."""
    v6 = MetaData()
    table = Table(
        "lab_jobs", v6, Column("id", String(64), primary_key=True), Column("owner", String(200), nullable=False),
        Column("submitter", String(100)), Column("label", String(100), nullable=False), Column("grp", String(64)),
        Column("target", String(200), nullable=False), Column("settings", Text, nullable=False),
        Column("backend", String(16), nullable=False), Column("device", String(16), nullable=False),
        Column("resources", Text, nullable=False), Column("state", String(16), nullable=False),
        Column("progress", Text, nullable=False), Column("losses", Text, nullable=False), Column("result", Text),
        Column("error", Text), Column("detail", Text), Column("exitcode", Integer), Column("runner", String(100)),
        Column("cancel_requested", Boolean, nullable=False), Column("submitted_at", Float, nullable=False),
        Column("dispatched_at", Float), Column("started_at", Float), Column("finished_at", Float),
        Column("heartbeat_at", Float))
    table.create(conn)
    Index("ix_lab_jobs_state", table.c.state, table.c.backend, table.c.submitted_at).create(conn)
    Index("ix_lab_jobs_owner", table.c.owner, table.c.state).create(conn)


def _v7_bkt_params(conn: Connection) -> None:
    """Version 7: knowledge-tracing parameters fitted from the class (issue 19), so every app
    replica uses the same fit and a restart keeps it. Spelled out in full, like version 1."""
    v7 = MetaData()
    Table("bkt_params", v7, Column("scope", String(16), primary_key=True), Column("name", String(450), primary_key=True),
          Column("p_init", Float), Column("p_learn", Float), Column("p_slip", Float),
          Column("p_guess", Float, nullable=False), Column("evidence", Integer, nullable=False),
          Column("learners", Integer, nullable=False), Column("data_weight", Float, nullable=False),
          Column("mastered", Float), Column("fitted_at", DateTime(timezone=True), nullable=False)).create(conn)


def _v8_attempt_mistakes(conn: Connection) -> None:
    """Version 8: attempts keep every mistake an answer shows, not only the first (issue 17: two
    wrong options, each linked to a mistake). Earlier rows get [] (their mistake_id is the one)."""
    conn.execute(text("ALTER TABLE attempts ADD COLUMN mistakes TEXT NOT NULL DEFAULT '[]'"))


def _v9_hashed_codes(conn: Connection) -> None:
    """Version 9: learner codes are credentials, so the table keeps only a hash of each (issue 21).
    The column is renamed, keeping its UNIQUE index (SQLite >= 3.25 and PostgreSQL rename in place),
    widened on PostgreSQL (SQLite does not enforce lengths), and each code replaced by its digest:
    a learner signs in with the same code as before."""
    conn.execute(text("ALTER TABLE learners RENAME COLUMN code TO code_hash"))
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE learners ALTER COLUMN code_hash TYPE VARCHAR({DIGEST_LENGTH})"))
    rows = conn.execute(text("SELECT id, code_hash FROM learners")).all()
    for learner_id, code in rows:
        conn.execute(text("UPDATE learners SET code_hash = :digest WHERE id = :id"),
                     {"digest": code_digest(normalise_code(code)), "id": learner_id})


def _v10_limits(conn: Connection) -> None:
    """Version 10: counters of wrong guesses and new learners in the database, not in each app
    process, so a restart, another replica or a reload does not reset them (issue 21)."""
    v10 = MetaData()
    table = Table(
        "limits", v10, Column("kind", String(40), primary_key=True), Column("scope", String(16), primary_key=True),
        Column("key", String(DIGEST_LENGTH), primary_key=True), Column("count", Integer, nullable=False),
        Column("window_start", Float, nullable=False), Column("strikes", Integer, nullable=False),
        Column("next_at", Float, nullable=False), Column("seen_at", Float, nullable=False))
    table.create(conn)
    Index("ix_limits_seen", table.c.seen_at).create(conn)


def _v11_job_clients(conn: Connection) -> None:
    """Version 11: a lab job remembers (as a hash) the address of an owner who had not signed in, so
    that one person opening many tabs cannot multiply the per-learner cap (issue 21)."""
    conn.execute(text(f"ALTER TABLE lab_jobs ADD COLUMN client VARCHAR({DIGEST_LENGTH})"))
    conn.execute(text("CREATE INDEX ix_lab_jobs_client ON lab_jobs (client, state)"))


def _v12_forgetting(conn: Connection) -> None:
    """Version 12: per skill, the forgetting rate and the learning right after a named slip, fitted
    from the class (issue 19). NULL where the class's attempts could not tell them, and in every row
    fitted before: FSRS's curve and plain T then."""
    conn.execute(text("ALTER TABLE bkt_params ADD COLUMN p_forget FLOAT"))
    conn.execute(text("ALTER TABLE bkt_params ADD COLUMN p_learn_slip FLOAT"))


# Ordered: MIGRATIONS[i] brings the schema from version i to version i + 1.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial, _v2_params_and_correct, _v3_indexes,
                                                  _v4_report_indexes, _v5_solution_seen, _v6_lab_jobs,
                                                  _v7_bkt_params, _v8_attempt_mistakes, _v9_hashed_codes, _v10_limits,
                                                  _v11_job_clients, _v12_forgetting]
LATEST = len(MIGRATIONS)
