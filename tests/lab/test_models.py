"""engine/lab/models.py: which models the Lab accepts, and failing fast on a hub id with no network."""

from __future__ import annotations

import socket
import time

import pytest

from engine import ROOT
from engine.lab import models
from engine.lab.models import ModelUnavailable, check_allowed, is_allowed, locate_hub_model


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("LORA_LAB_ALLOWED_MODELS", "LORA_LAB_MODEL", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def test_by_default_only_the_projects_models_folder_is_accepted():
    assert is_allowed("models/lora-lab-tiny")
    assert is_allowed(str(ROOT / "models" / "lora-lab-tiny"))
    assert not is_allowed("HuggingFaceTB/SmolLM2-135M")
    assert not is_allowed("/etc")
    assert not is_allowed("models/../../etc")  # matched by its real path, not its text
    assert not is_allowed("gpt2")


def test_the_operator_allows_globs_and_the_default_model(monkeypatch, tmp_path):
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", " HuggingFaceTB/SmolLM2-* , /srv/models/* ")
    monkeypatch.setenv("LORA_LAB_MODEL", str(tmp_path))
    assert is_allowed("HuggingFaceTB/SmolLM2-135M") and is_allowed("/srv/models/llama")
    assert is_allowed(str(tmp_path))  # LORA_LAB_MODEL is always accepted
    assert not is_allowed("HuggingFaceTB/other") and not is_allowed("models/lora-lab-tiny")  # the list replaces the default
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", "*")
    assert is_allowed("anyone/anything") and is_allowed("/etc")


def test_a_refusal_names_what_is_allowed_and_the_setting():
    with pytest.raises(ModelUnavailable, match=r"accepts only models/\*.*'/etc'.*LORA_LAB_ALLOWED_MODELS"):
        check_allowed("/etc")


def test_an_uncached_hub_id_fails_in_seconds_with_no_network(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    with socket.socket() as server:  # a port that accepts nothing: bound, never listening
        server.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        start = time.perf_counter()
        with pytest.raises(ModelUnavailable, match="not in the local Hugging Face cache.*did not answer within 1 s"):
            locate_hub_model("HuggingFaceTB/SmolLM2-135M", timeout=1.0)
    assert time.perf_counter() - start < 5  # transformers alone retries for about 50 s


def test_offline_mode_refuses_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=0: pytest.fail("offline mode must not probe"))
    with pytest.raises(ModelUnavailable, match="HF_HUB_OFFLINE is set"):
        locate_hub_model("HuggingFaceTB/SmolLM2-135M")


def test_a_cached_hub_model_loads_from_its_snapshot_folder(monkeypatch, tmp_path):
    snapshot = tmp_path / "models--org--tiny" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "models--org--tiny" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=0: pytest.fail("a cached model needs no network"))
    assert locate_hub_model("org/tiny") == str(snapshot)


def test_a_bad_id_is_named():
    with pytest.raises(ModelUnavailable, match="neither a model folder nor a Hugging Face id"):
        locate_hub_model("bad id!")


def test_a_glob_through_a_symlinked_folder_matches_the_real_path(monkeypatch, tmp_path):
    (tmp_path / "real" / "tiny").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", f"{tmp_path / 'link'}/*")
    assert is_allowed(str(tmp_path / "link" / "tiny")) and is_allowed(str(tmp_path / "real" / "tiny"))
    assert not is_allowed(str(tmp_path / "link" / ".." / "elsewhere"))


# ---- a model folder, and no server paths in the messages (issue 21) ------------------------------
@pytest.mark.parametrize(("allowed", "name", "why"), [
    ("", "models/lora-lab-tiny/config.json", "the Lab on this server accepts only models/*"),  # not a folder of models/
    ("*", "models/lora-lab-tiny/config.json", "'models/lora-lab-tiny/config.json' is a file: give a model folder"),
    ("", "models/no-such-model", "'models/no-such-model' is not a folder on this server"),
])
def test_the_model_must_be_a_model_folder(monkeypatch, allowed, name, why):
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", allowed)
    with pytest.raises(ModelUnavailable) as refused:
        check_allowed(name)
    assert str(refused.value).startswith(why) and str(ROOT) not in str(refused.value)


def test_a_folder_without_a_config_is_not_a_model(monkeypatch):
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", "*")
    with pytest.raises(ModelUnavailable, match="'models' has no config.json"):
        check_allowed("models")


def test_a_star_in_a_glob_stays_within_one_folder():
    """fnmatch's `*` matches `/`: "models/*" let through files and folders at any depth."""
    assert is_allowed("models/lora-lab-tiny")
    assert not is_allowed("models/lora-lab-tiny/config.json")
    assert not is_allowed("models/lora-lab-tiny/a/b")
    assert not is_allowed("HuggingFaceTB/SmolLM2-135M/extra", ["HuggingFaceTB/*"])


def test_a_refusal_does_not_show_where_the_server_keeps_models(monkeypatch):
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", "models/*,/srv/private/models/*")
    monkeypatch.setenv("LORA_LAB_MODEL", "/srv/private/default")
    with pytest.raises(ModelUnavailable) as refused:
        check_allowed("someone/else")
    assert "/srv" not in str(refused.value)
    assert "accepts only models/* and 2 folders of the server" in str(refused.value)
