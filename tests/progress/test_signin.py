"""engine/progress/signin.py: tokens that keep a browser signed in verify only as issued, only
until they expire, and only under the server's key; the key is made once and kept private."""

from __future__ import annotations

import stat

import pytest

from engine.progress import signin

KEY = b"k" * 32


def test_a_token_names_its_learner_until_it_expires():
    token = signin.issue(42, secret=KEY, now=1_000, days=30)
    assert signin.verify(token, secret=KEY, now=1_000) == 42
    assert signin.verify(token, secret=KEY, now=1_000 + 30 * 86_400 - 1) == 42
    assert signin.verify(token, secret=KEY, now=1_000 + 30 * 86_400) is None
    assert signin.expires_at(token) == 1_000 + 30 * 86_400


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("v1.42.", "v1.43."),  # another learner
    lambda t: ".".join(t.split(".")[:2] + [str(int(t.split(".")[2]) + 86_400)] + t.split(".")[3:]),  # longer life
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
    lambda t: t.replace("v1.", "v2."),
    lambda t: "",
    lambda t: "v1.42.99999999999",
    lambda t: "v1.-4.99999999999.sig",
    lambda t: t + ".extra",
])
def test_a_changed_or_malformed_token_is_refused(tamper):
    token = signin.issue(42, secret=KEY, now=1_000, days=30)
    assert signin.verify(tamper(token), secret=KEY, now=1_000) is None


def test_a_token_signed_under_another_key_is_refused():
    token = signin.issue(42, secret=b"other key, 32 bytes long........", now=1_000, days=30)
    assert signin.verify(token, secret=KEY, now=1_000) is None
    assert signin.verify(None, secret=KEY, now=1_000) is None


def test_the_key_is_made_once_private_and_kept(tmp_path):
    folder = tmp_path / "data"
    first = signin.secret_key(None, folder)
    assert len(first) == 32 and signin.secret_key("", folder) == first  # a restart keeps browsers signed in
    assert stat.S_IMODE((folder / signin.SECRET_FILE).stat().st_mode) == 0o600
    assert signin.secret_key("  configured  ", folder) == b"configured"  # LORA_LAB_SIGNIN_SECRET wins
    (folder / signin.SECRET_FILE).write_bytes(b"short")
    with pytest.raises(OSError, match="too short"):
        signin.secret_key(None, folder)


@pytest.mark.parametrize("raw, days", [("", 30.0), ("7", 7.0), ("0", 0.0), (" 0.5 ", 0.5)])
def test_days_setting(monkeypatch, raw, days):
    monkeypatch.setenv(signin.DAYS_ENV, raw)
    assert signin.days_setting() == days


@pytest.mark.parametrize("raw", ["-1", "nan", "inf", "a week"])
def test_a_bad_days_setting_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(signin.DAYS_ENV, raw)
    with pytest.raises(ValueError, match=signin.DAYS_ENV):
        signin.days_setting()


def test_issue_refuses_what_it_cannot_sign():
    with pytest.raises(ValueError, match="learner id"):
        signin.issue(0, secret=KEY, now=0, days=1)
    with pytest.raises(ValueError, match="days"):
        signin.issue(1, secret=KEY, now=0, days=0)
