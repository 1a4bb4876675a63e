"""engine/lab/runs.py: settings messages, the comparison as a job group, the adapter zip,
and the tables the lab page shows."""

from __future__ import annotations

import io
import zipfile

import pytest

from engine.lab import runs as lab_runs
from engine.lab.settings import GlossaryEntry, LabSettings


def test_good_settings_parse():
    settings = lab_runs.parse_settings({"rank": 4, "steps": 500, "model": "x"})
    assert (settings.rank, settings.steps, settings.model) == (4, 500, "x")


@pytest.mark.parametrize("values, message", [
    ({"rank": 65}, "rank: must be at most 64 (you gave 65)"),
    ({"rank": 0}, "rank: must be at least 1 (you gave 0)"),
    ({"steps": 501}, "steps: must be at most 500 (you gave 501)"),
    ({"learning_rate": 0}, "learning_rate: must be more than 0 (you gave 0)"),
    ({"target_modules": []}, "target_modules: list should have at least 1 item after validation, not 0 (you gave [])"),
    ({"model": ""}, "model: string should have at least 1 character (you gave '')"),
    ({"rnak": 4}, "rnak: extra inputs are not permitted (you gave 4)"),
])
def test_each_bad_value_gets_a_message_naming_its_field(values, message):
    with pytest.raises(lab_runs.SettingsError) as caught:
        lab_runs.parse_settings(values)
    assert caught.value.messages == [message]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(lab_runs.SettingsError) as caught:
        lab_runs.parse_settings({"rank": 100, "batch_size": 0})
    assert [m.split(":")[0] for m in caught.value.messages] == ["rank", "batch_size"]


class _Recorder:
    """Records what would be submitted, like JobQueue.submit_group."""

    def submit_group(self, target, kwargs_by_label, *, device=None, owner=None, anonymous_from=None):
        self.target, self.kwargs, self.owner, self.anonymous_from = target, kwargs_by_label, owner, anonymous_from
        return {label: f"id-{label}" for label in kwargs_by_label}


def test_a_comparison_is_one_job_per_method_with_the_same_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("LORA_LAB_JOB_TARGET", raising=False)
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path))
    queue, settings = _Recorder(), LabSettings(steps=5)
    glossary = [GlossaryEntry(term="Zorblax", definition="our ticket tracker")]
    ids = lab_runs.submit_comparison(queue, settings, glossary, ["full", "lora", "qlora"], owner="learner-7")
    assert ids == {"full": "id-full", "lora": "id-lora", "qlora": "id-qlora"}
    assert queue.owner == "learner-7"  # whose cap and turn the three jobs count against
    assert queue.target == "engine.lab.finetune:run_lab"
    assert all(k["settings"] is settings and k["glossary"] == glossary for k in queue.kwargs.values())
    assert [k["method"] for k in queue.kwargs.values()] == ["full", "lora", "qlora"]
    dirs = {k["output_dir"] for k in queue.kwargs.values()}
    assert len(dirs) == 3 and all(d.startswith(str(tmp_path)) for d in dirs)


def test_an_unknown_or_missing_method_is_refused():
    for methods in ([], ["lora", "dora"]):
        with pytest.raises(lab_runs.SettingsError, match="methods: choose one or more of full, lora, qlora"):
            lab_runs.submit_comparison(_Recorder(), LabSettings(), [], methods)


def test_the_adapter_zip_holds_exactly_the_two_peft_files(tmp_path):
    (tmp_path / "adapter_config.json").write_text('{"r": 8}')
    (tmp_path / "adapter_model.safetensors").write_bytes(b"abc")
    (tmp_path / "optimizer.pt").write_bytes(b"not shipped")
    archive = zipfile.ZipFile(io.BytesIO(lab_runs.adapter_zip(tmp_path)))
    assert sorted(archive.namelist()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert archive.read("adapter_config.json") == b'{"r": 8}'


def test_a_missing_adapter_file_is_named(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="lacks adapter_model.safetensors"):
        lab_runs.adapter_zip(tmp_path)


def test_ledger_total_is_weights_gradients_and_optimizer_without_double_counting():
    parts = {"weights_bytes": 10, "base_weights_bytes": 6, "trainable_weights_bytes": 4, "quantized_bytes": 3,
             "gradient_bytes": 4, "optimizer_bytes": 8}
    assert lab_runs.ledger_total(parts) == 22
    assert lab_runs.ledger_total({**parts, "total_bytes": 22}) == 22


def _result(method, after):
    return {"answers": [{"term": "Zorblax", "question": "What is Zorblax?", "expected": "a tracker",
                         "before": "the", "after": after}],
            "trainable_params": 5, "total_params": 200, "seconds": 1.26, "tokens_per_s": 99.6,
            "skill_before": 0.0, "skill_after": 1.0, "adapter_bytes": 2_000_000, "base_model_bytes": 8_000_000,
            "device": "cpu"}


def test_answers_show_each_question_once_with_an_after_column_per_method():
    rows = lab_runs.answer_rows({"lora": _result("lora", "a tracker"), "qlora": _result("qlora", "a track")})
    assert rows == [{"term": "Zorblax", "question": "What is Zorblax?", "expected": "a tracker", "before": "the",
                     "after (lora)": "a tracker", "after (qlora)": "a track"}]


def test_summary_rows_give_the_trainable_share_in_percent_and_sizes_in_kb_and_mb():
    [row] = lab_runs.summary_rows({"lora": _result("lora", "x")})
    assert row["trainable %"] == 2.5 and row["adapter kB"] == 2000.0 and row["base model MB"] == 8.0
    assert row["tokens/s"] == 100 and row["seconds"] == 1.3


# ---- issue 14: allowed models, private runs folder, retention -------------------------
def test_a_model_the_operator_does_not_allow_is_refused_before_queueing(monkeypatch, tmp_path):
    monkeypatch.delenv("LORA_LAB_ALLOWED_MODELS", raising=False)
    monkeypatch.delenv("LORA_LAB_MODEL", raising=False)
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path))
    queue = _Recorder()
    with pytest.raises(lab_runs.SettingsError, match=r"model: the Lab on this server accepts only models/\*"):
        lab_runs.submit_comparison(queue, LabSettings(model="HuggingFaceTB/SmolLM2-135M"), [], ["lora"])
    assert not hasattr(queue, "kwargs")  # nothing was queued


def test_runs_go_to_a_private_folder_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LORA_LAB_RUNS", raising=False)
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path / "data"))
    queue = _Recorder()
    lab_runs.submit_comparison(queue, LabSettings(), [], ["lora"])
    folder = tmp_path / "data" / "runs"
    assert queue.kwargs["lora"]["output_dir"].startswith(str(folder))
    assert folder.stat().st_mode & 0o777 == 0o700  # not world-listable, unlike /tmp/lora-lab-runs


def test_a_runs_folder_the_operator_made_keeps_its_mode(monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("LORA_LAB_RUNS", str(shared))
    lab_runs.submit_comparison(_Recorder(), LabSettings(), [], ["lora"])
    assert shared.stat().st_mode & 0o777 == 0o755
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path / "new"))  # one created here is private
    lab_runs.submit_comparison(_Recorder(), LabSettings(), [], ["lora"])
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_a_runs_folder_that_is_a_file_gets_a_message(monkeypatch, tmp_path):
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.delenv("LORA_LAB_RUNS", raising=False)
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path / "data"))
    with pytest.raises(lab_runs.SettingsError, match="runs folder: the server cannot write its runs folder") as refused:
        lab_runs.submit_comparison(_Recorder(), LabSettings(), [], ["lora"])
    assert str(tmp_path) not in str(refused.value)  # a learner reads it: no server path (issue 21)


def test_old_runs_are_deleted_and_nothing_else(tmp_path):
    import os

    old, new, other = tmp_path / "0123456789ab-lora", tmp_path / "fedcba987654-qlora", tmp_path / "notes"
    for folder in (old, new, other):
        folder.mkdir()
        (folder / "adapter_model.safetensors").write_bytes(b"x")
    week = 7 * 86_400
    for folder in (old, other):
        os.utime(folder, (time_now := 1_000_000_000.0, time_now))
    removed = lab_runs.prune_runs(tmp_path, max_age_s=week, now=time_now + week + 1)
    assert removed == [old.name] and not old.exists() and new.exists() and other.exists()
    assert lab_runs.prune_runs(tmp_path, max_age_s=0, now=time_now + 10 * week) == []  # 0 keeps them


@pytest.mark.parametrize("raw, days", [("", 7.0), ("0.5", 0.5), ("0", 0.0)])
def test_the_retention_setting(monkeypatch, raw, days):
    monkeypatch.setenv("LORA_LAB_RUNS_MAX_AGE_DAYS", raw)
    assert lab_runs.max_age_days() == days


@pytest.mark.parametrize("raw", ["a week", "-1", "nan"])
def test_a_bad_retention_setting_is_named(monkeypatch, raw):
    monkeypatch.setenv("LORA_LAB_RUNS_MAX_AGE_DAYS", raw)
    with pytest.raises(lab_runs.SettingsError, match="LORA_LAB_RUNS_MAX_AGE_DAYS"):
        lab_runs.max_age_days()


def test_figure_rows_put_methods_side_by_side_as_text():
    rows = lab_runs.figure_rows({"lora": _result("lora", "x"), "qlora": _result("qlora", "y")})
    assert [list(row) for row in rows][0] == ["figure", "lora", "qlora"]  # as many columns as methods, plus one
    by_figure = {row["figure"]: row for row in rows}
    assert by_figure["trainable %"]["lora"] == "2.5" and by_figure["adapter kB"]["lora"] == "2,000"
    assert all(isinstance(v, str) and v not in ("", "None") for row in rows for v in row.values())


def test_a_run_the_stop_rule_ended_early_says_where_and_why():
    stopped = {**_result("qlora", "x"), "steps": 90, "stopped_at": 84, "stop_reason": "converged", "stop_loss": 0.08}
    ran_out = {**_result("lora", "y"), "steps": 90, "stopped_at": 90, "stop_reason": "steps", "stop_loss": 0.08}
    assert lab_runs.early_stops({"qlora": stopped, "lora": ran_out}) == ["qlora stopped at step 84 of 90: loss under 0.08"]


def test_cli_adapters_in_artifacts_lab_are_pruned_too(tmp_path, monkeypatch):
    """Issue 21: `python -m engine lab` without --output-dir saved to artifacts/lab/lora-lab-*, never pruned."""
    import os

    from engine.lab import finetune

    monkeypatch.setattr(finetune, "ROOT", tmp_path)
    monkeypatch.delenv("LORA_LAB_RUNS_MAX_AGE_DAYS", raising=False)
    lab = tmp_path / "artifacts" / "lab"
    old, new, other = lab / "lora-lab-ab12_x9z", lab / "lora-lab-cd34efgh", lab / "my-notes"
    for folder in (old, new, other):
        folder.mkdir(parents=True)
    for folder in (old, other):
        os.utime(folder, (1_000_000_000.0, 1_000_000_000.0))  # 2001: older than a week
    assert finetune._artifacts() == lab
    assert not old.exists() and new.exists() and other.exists()
