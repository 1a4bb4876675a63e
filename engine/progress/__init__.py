"""Learner progress: who answered what, lab runs, completed lessons, and the class report.

    tables.py  SQLAlchemy tables and the ordered migrations that build them
    values.py  learner codes (stored as a scrypt hash), names, identifiers, capped text, canonical JSON
    store.py   Store: SQLite (WAL) or PostgreSQL; one committed transaction per write
    files.py   the SQLite file at rest: data folder 0700, database files 0600, header check
    records.py what the store hands back: Learner, Progress, QuizScore; next_lesson
    report.py  class analytics for the instructor dashboard and `python -m engine report`
    throttle.py  wrong guesses (instructor password, learner codes) and new learners, counted in the
               database per session, client address and server: attempts paced, never refused
    signin.py  signed, expiring tokens that keep a browser signed in (a cookie), and their key
    pending.py answers given before signing in, held in memory until the learner signs in
    jobs.py    lab job records (owner, settings, state, progress, result) shared by every app
               replica and Ray worker; the lab's queues (engine/lab) write and read them

    grading result ─▶ Store.record_attempt ─▶ attempts ─▶ report.class_report

Stands alone: imports no other engine package.
"""
