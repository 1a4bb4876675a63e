"""Fixtures the job tests share."""

import pytest


@pytest.fixture
def url(tmp_path):
    """A fresh SQLite progress database for the job records."""
    return f"sqlite:///{tmp_path / 'progress.db'}"
