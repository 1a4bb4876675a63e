"""The progress store: learners, graded attempts, lab runs and completed lessons.

    Store(url=None)            SQLite file <LORA_LAB_DATA or <project>/data>/progress.db,
                               or DATABASE_URL (postgresql+psycopg://...), or `url`
      .learner(name)           a new learner with a fresh unguessable code (only its hash is stored)
      .learner_by_code(code)   the learner who owns that code, or None
      .record_attempt(...)     one graded answer, its own committed transaction
      .record_lab_run(...)     one finished lab run and its measurements (once per job id)
      .complete_lesson(...)    marks a lesson done (idempotent)
      .progress(learner_id)    that learner's own data, and nobody else's

SQLite runs in WAL mode (https://www.sqlite.org/wal.html): readers never block the
writer and a killed writer leaves only committed transactions. Each write takes the
write lock at BEGIN IMMEDIATE, with a 30 s busy timeout, so concurrent writers queue
instead of failing (SQLAlchemy docs, "SQLite: Transaction control", the begin-event
recipe). The data folder is created private (0700) and the database file with its -wal and
-shm files is the server user's alone (0600): engine/progress/files.py. Tables and migrations:
engine/progress/tables.py; codes, names and JSON: engine/progress/values.py; class analytics
for the instructor: engine/progress/report.py.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Integer, create_engine, event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from engine.progress.files import NotADatabase, check_sqlite_file, os_reason, private_database, private_folder
from engine.progress.records import Learner, Progress, QuizScore
from engine.progress.tables import LATEST, MIGRATIONS, attempts, lab_runs, learners, lessons_completed, schema_version
from engine.progress.values import (  # noqa: F401
    CODE_ALPHABET,
    TEXT_MAX,
    capped_json,
    clean_name,
    code_digest,
    could_be_code,
    ident,
    lab_measurements,
    new_code,
    normalise_code,
    to_json,
)

PROJECT = Path(__file__).resolve().parents[2]


class StoreError(RuntimeError):
    """The database cannot be used; the message says which database and why."""


def data_dir() -> Path:
    return Path(os.environ.get("LORA_LAB_DATA") or PROJECT / "data")


def database_url(url: str | None = None) -> str:
    """`url`, else DATABASE_URL, else the SQLite file in the data folder; bare postgres URLs get psycopg 3."""
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'progress.db'}"
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):
            url = "postgresql+psycopg://" + url[len(bare):]
    return url


class Store:
    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self.shown_url = make_url(self.url).render_as_string(hide_password=True)
        self.is_sqlite = self.url.startswith("sqlite")
        self.engine = self._sqlite_engine() if self.is_sqlite else create_engine(self.url, pool_pre_ping=True)
        with self._errors("open"):
            self._migrate()

    # -- connection handling -------------------------------------------------------
    def _sqlite_engine(self) -> Engine:
        path = make_url(self.url).database
        if path and path != ":memory:":
            path = Path(path)
            try:
                # a missing data folder is created private; the default one is made private if it is not
                private_folder(path.parent, ours=path.parent.resolve() == (PROJECT / "data").resolve())
                check_sqlite_file(path)
                private_database(path)
            except NotADatabase as exc:
                raise StoreError(str(exc)) from None
            except OSError as exc:  # LORA_LAB_DATA names a file, progress.db is a folder, no permission...
                raise StoreError(f"Progress database {path}: could not open: {os_reason(exc)}. Check LORA_LAB_DATA "
                                 f"(a folder the server can write) or DATABASE_URL.") from exc
        engine = create_engine(self.url, connect_args={"timeout": 30})  # busy timeout, seconds

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise StoreError(f"Progress database {self.shown_url}: could not {doing}: {reason}") from exc

    @contextmanager
    def _tx(self, doing: str, *, write: bool = False) -> Iterator[Connection]:
        """One transaction; on SQLite a write takes the lock up front (BEGIN IMMEDIATE)."""
        with self._errors(doing), self.engine.connect() as conn:
            conn.execution_options(write=write)
            with conn.begin():
                yield conn

    def _migrate(self) -> None:
        with self._tx("upgrade the schema", write=True) as conn:
            if not self.is_sqlite:  # several app replicas may start at once: one migrates
                conn.execute(text("SELECT pg_advisory_xact_lock(6061)"))
            schema_version.create(conn, checkfirst=True)
            current = conn.scalar(select(func.max(schema_version.c.version))) or 0
            if current > LATEST:
                raise StoreError(f"Progress database {self.shown_url} has schema version {current}, newer than "
                                 f"this app's {LATEST}; upgrade the app instead of opening it with an old one.")
            for version in range(current, LATEST):
                MIGRATIONS[version](conn)
                conn.execute(insert(schema_version).values(version=version + 1, applied_at=_now()))

    def version(self) -> int:
        with self._tx("read the schema version") as conn:
            return conn.scalar(select(func.max(schema_version.c.version))) or 0

    def close(self) -> None:
        self.engine.dispose()

    # -- learners ------------------------------------------------------------------
    def learner(self, name: str, *, subject: str | None = None) -> Learner:
        """A new learner called `name`, with their code (the only time it is known: the store keeps
        its hash); with an OIDC `subject`, that subject's learner (made once; no code to show)."""
        name = clean_name(name)
        if subject is not None:
            found = self._learner_where(learners.c.subject == subject)
            if found:
                return found
        for _ in range(5):  # a code collision (31**8 codes) or a racing first login: try again
            try:
                code = new_code()
                with self._tx("add a learner", write=True) as conn:
                    new_id = conn.execute(insert(learners).values(
                        name=name, code_hash=code_digest(code), subject=subject, created_at=_now())
                    ).inserted_primary_key[0]
                return Learner(new_id, name, code if subject is None else "")
            except IntegrityError:
                if subject is not None and (found := self._learner_where(learners.c.subject == subject)):
                    return found
        raise StoreError(f"Progress database {self.shown_url}: could not allocate a learner code")

    def learner_by_code(self, code: str) -> Learner | None:
        """The learner whose code this is (typed as the learner may: "abcd-2345 "), or None."""
        code = normalise_code(code or "")
        if not could_be_code(code):
            return None
        found = self._learner_where(learners.c.code_hash == code_digest(code))
        return Learner(found.id, found.name, code) if found else None

    def learner_by_id(self, learner_id: int) -> Learner | None:
        return self._learner_where(learners.c.id == learner_id)

    def _learner_where(self, condition) -> Learner | None:
        """The learner matching `condition`, without a code: the store cannot give it back."""
        with self._tx("look up a learner") as conn:
            row = conn.execute(select(learners.c.id, learners.c.name).where(condition)).first()
        return Learner(row[0], row[1]) if row else None

    # -- writes ----------------------------------------------------------------------
    def record_attempt(self, learner_id: int, quiz_id: str, question_id: str, *, seed: int, raw: str, parsed,
                       score: float, mistake_id: str | None, feedback: str, params: dict | None = None,
                       correct: bool | None = None, solution_seen: bool = False, at: datetime | None = None,
                       mistakes: list[str] | None = None) -> int:
        """Store one graded attempt in its own transaction; returns its id. `solution_seen`: the
        learner had opened the solution of this variant before submitting. `at`: when it was
        answered, if not now (an import, a simulated class in benchmarks/adaptive.py); UTC.
        `mistakes`: every mistake the answer showed (mistake_id is the first, and the one the
        report groups by)."""
        if not (isinstance(score, (int, float)) and math.isfinite(score) and 0 <= score <= 1):
            raise ValueError(f"attempt score must be a number from 0 to 1, got {score!r}")
        if not (isinstance(seed, int) and 0 <= seed < 2**63):
            raise ValueError(f"attempt seed must be an integer from 0 to 2**63 - 1, got {seed!r}")
        row = dict(learner_id=learner_id, quiz_id=ident("quiz id", quiz_id),
                   question_id=ident("question id", question_id), seed=seed, raw=str(raw)[:TEXT_MAX],
                   parsed=capped_json(parsed), score=float(score), feedback=str(feedback)[:TEXT_MAX],
                   mistake_id=ident("mistake id", mistake_id) if mistake_id else None, params=to_json(params or {}),
                   correct=bool(score >= 1 if correct is None else correct), solution_seen=bool(solution_seen),
                   mistakes=to_json([ident("mistake id", m) for m in mistakes or ([mistake_id] if mistake_id else [])]),
                   created_at=_now() if at is None else _utc(at))
        return self._insert(attempts, row, "record an attempt")

    def record_lab_run(self, learner_id: int, method: str, measurements: dict, *, job_id: str | None = None) -> int:
        """Store one finished lab run; returns its id. With `job_id`, a run already stored for this
        learner under that job is not stored again (several tabs or sessions may show the same run):
        the check and the insert share one write transaction, with the learner's row locked on
        PostgreSQL (SQLite's BEGIN IMMEDIATE already lets one writer in at a time)."""
        if job_id is None:
            row = dict(learner_id=learner_id, method=ident("method", method, 50), measurements=to_json(measurements),
                       created_at=_now())
            return self._insert(lab_runs, row, "record a lab run")
        measurements = {**measurements, "job_id": ident("job id", job_id)}
        marker = to_json({"job_id": job_id})[1:-1]  # '"job_id": "..."', as to_json writes it inside the row
        with self._tx("record a lab run", write=True) as conn:
            if not self.is_sqlite:
                conn.execute(select(learners.c.id).where(learners.c.id == learner_id).with_for_update())
            found = conn.scalar(select(lab_runs.c.id).where(
                lab_runs.c.learner_id == learner_id, lab_runs.c.method == method,
                lab_runs.c.measurements.contains(marker, autoescape=True)))
            if found is not None:
                return found
            try:
                result = conn.execute(insert(lab_runs).values(
                    learner_id=learner_id, method=ident("method", method, 50), measurements=to_json(measurements),
                    created_at=_now()))
            except IntegrityError as exc:
                raise ValueError(f"could not record a lab run: no learner with id {learner_id!r}") from exc
        return result.inserted_primary_key[0]

    def complete_lesson(self, learner_id: int, lesson_id: str) -> bool:
        """Mark a lesson done; True the first time, False if it already was."""
        row = dict(learner_id=learner_id, lesson_id=ident("lesson id", lesson_id), completed_at=_now())
        with self._tx("complete a lesson", write=True) as conn:
            done = conn.scalar(select(func.count()).select_from(lessons_completed).where(
                lessons_completed.c.learner_id == learner_id, lessons_completed.c.lesson_id == row["lesson_id"]))
            if done:
                return False
        try:
            self._insert(lessons_completed, row, "complete a lesson")
        except ValueError:  # the same learner, in another tab, got there first
            return False
        return True

    def _insert(self, table, row: dict, doing: str) -> int:
        try:
            with self._tx(doing, write=True) as conn:
                result = conn.execute(insert(table).values(**row))
        except IntegrityError as exc:
            raise ValueError(f"could not {doing}: no learner with id {row['learner_id']!r}, "
                             f"or it is already stored") from exc
        key = result.inserted_primary_key
        return key[0] if key and len(key) == 1 else 0

    # -- one learner's own progress ------------------------------------------------------
    def progress(self, learner_id: int) -> Progress | None:
        """Everything on the learner's Progress page; every query filters on this learner."""
        learner = self.learner_by_id(learner_id)
        if learner is None:
            return None
        a = attempts.c
        mine = a.learner_id == learner_id
        with self._tx("read progress") as conn:
            lessons = conn.scalars(select(lessons_completed.c.lesson_id).where(
                lessons_completed.c.learner_id == learner_id).order_by(lessons_completed.c.completed_at)).all()
            per_question = conn.execute(select(
                a.quiz_id, func.count(), func.max(func.cast(a.correct, Integer)), func.max(a.created_at)
            ).where(mine).group_by(a.quiz_id, a.question_id)).all()
            mistakes = conn.execute(select(a.mistake_id, func.count(), func.max(a.id)).where(
                mine, a.mistake_id.is_not(None)).group_by(a.mistake_id).order_by(func.count().desc(), a.mistake_id)
                .limit(5)).all()
            latest = {row[0]: row[1:] for row in conn.execute(select(a.id, a.feedback, a.quiz_id, a.question_id,
                                                                        a.params).where(a.id.in_([m[2] for m in mistakes])))}
            last = conn.execute(select(a.quiz_id, a.question_id).where(mine).order_by(a.id.desc()).limit(1)).first()
            runs = conn.execute(select(lab_runs).where(lab_runs.c.learner_id == learner_id)
                                .order_by(lab_runs.c.id.desc()).limit(50)).all()
        return Progress(
            learner=learner, lessons_done=list(lessons), quizzes=_quiz_scores(per_question),
            mistakes=[(m[0], m[1], latest[m[2]][0] if m[2] in latest else "") for m in mistakes],
            mistake_where={m[0]: (latest[m[2]][1], latest[m[2]][2], json.loads(latest[m[2]][3] or "{}"))
                           for m in mistakes if m[2] in latest},
            lab_runs=[{"id": r.id, "method": r.method, "measurements": json.loads(r.measurements),
                       "at": _utc(r.created_at)}
                      for r in runs],
            last_question=tuple(last) if last else None)


def _quiz_scores(per_question) -> list[QuizScore]:
    by_quiz: dict[str, list] = {}
    for quiz_id, count, correct, last_at in per_question:
        by_quiz.setdefault(quiz_id, []).append((count, correct, _utc(last_at)))
    return sorted((QuizScore(quiz_id, len(rows), sum(bool(r[1]) for r in rows), sum(r[0] for r in rows),
                             max(r[2] for r in rows)) for quiz_id, rows in by_quiz.items()),
                  key=lambda q: q.last_at, reverse=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
