"""The Lab page (ui/pages/lab.py) in AppTest: settings form, bounds, a run through the real
job queue, live status, results and the adapter download.

Most tests swap the job function for `fake_run_lab` below through the documented
LORA_LAB_JOB_TARGET variable (engine/lab/runs.py), so they test the page, not training;
the last one runs the real `engine.lab.finetune:run_lab` for two steps on a tiny random Llama
made by the test (so it needs neither the shipped model nor the network)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from engine.lab.runs import adapter_zip
from engine.lab.settings import revive
from tests.apptest import open_page
from tests.conftest import ROOT

FAKE = "tests.ui.test_lab_page:fake_run_lab"


def fake_run_lab(settings, glossary, method, *, on_progress=None, should_stop=None, output_dir=None) -> dict:
    """Stands in for engine.lab.finetune.run_lab in the worker: the same result keys, made-up figures,
    a real adapter folder. With the model "wait-for-cancel" it runs until cancelled."""
    settings, glossary = revive(settings, glossary)  # on Ray they come as JSON, as run_lab's do
    losses = []
    for step in range(1, settings.steps + 1):
        while step > 1 and settings.model == "wait-for-cancel" and not should_stop():
            time.sleep(0.02)
        if should_stop():
            raise type("Cancelled", (Exception,), {})()
        losses.append(3.0 / step)
        on_progress({"step": step, "steps": settings.steps, "loss": losses[-1], "phase": "train"})
    adapter_dir = None
    if method != "full":
        adapter_dir = Path(output_dir)
        adapter_dir.mkdir(parents=True, exist_ok=True)
        (adapter_dir / "adapter_config.json").write_text(json.dumps({"r": settings.rank}))
        (adapter_dir / "adapter_model.safetensors").write_bytes(b"\0" * 64)
    trainable = {"full": 1000, "lora": 40, "qlora": 40}[method]
    return {
        "method": method, "device": "cpu", "steps": settings.steps, "seconds": 0.5, "tokens_per_s": 100.0,
        "trainable_params": trainable, "total_params": 1000 + (trainable if method != "full" else 0),
        "peak_memory_bytes": {"full": 3 << 20, "lora": 2 << 20, "qlora": 1 << 20}[method],
        "skill_before": 0.0, "skill_after": 1.0, "adapter_bytes": 64, "base_model_bytes": 4000,
        "loss_curve": losses, "code": f"# {method} with r={settings.rank}\n",
        "answers": [{"term": g.term, "question": f"What is {g.term}?", "expected": g.definition,
                     "before": "the", "after": g.definition} for g in glossary],
        "ledger": {"weights_bytes": 4000, "gradient_bytes": trainable * 4, "optimizer_bytes": trainable * 8},
        "adapter_dir": str(adapter_dir) if adapter_dir else None,
    }


@pytest.fixture(autouse=True)
def lab_lesson_only(monkeypatch, tmp_path_factory):
    """The course as the lab lesson alone, so that another lesson's content error (tested
    in test_app.py) cannot fail the lab's tests."""
    import engine.content.loader as loader

    lessons, quizzes = tmp_path_factory.mktemp("lessons"), tmp_path_factory.mktemp("quizzes")
    for path in loader.yaml_files(loader.LESSON_DIR):
        if any(section.get("type") == "lab" for section in _sections(path)):
            (lessons / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(loader, "LESSON_DIR", lessons)
    monkeypatch.setattr(loader, "QUIZ_DIR", quizzes)


def _sections(path: Path) -> list[dict]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data.get("sections", []) if isinstance(data, dict) else []


@pytest.fixture(autouse=True)
def own_database(monkeypatch, tmp_path_factory):
    """Lab job records in a database of this test module's own, not the project's data/. Every AppTest
    session is one client address (127.0.0.1) in that one database, so the per-address cap would count
    runs that earlier tests left stopping: it is off here, and its own test sets it."""
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path_factory.getbasetemp() / "lab-data"))
    monkeypatch.setenv("LORA_LAB_MAX_QUEUED_PER_ADDRESS", "100000")
    for name in ("DATABASE_URL", "LORA_LAB_RAY_ADDRESS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_target(monkeypatch, tmp_path):
    monkeypatch.setenv("LORA_LAB_JOB_TARGET", FAKE)
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path))
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", "*")  # the fake models ("wait-for-cancel") are not folders


def _start(at, *, methods=("full", "lora", "qlora"), model=None, **numbers):
    at.multiselect(key="lab-page-methods").set_value(list(methods))
    if model is not None:
        at.text_input(key="lab-page-model").set_value(model)
    for name, value in numbers.items():
        at.number_input(key=f"lab-page-{name}").set_value(value)
    next(b for b in at.button if b.label == "Start").click()
    return at.run()


def _run_until(at, done, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, [m.value for m in at.markdown][-6:]
        time.sleep(0.3)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def _results_shown(at) -> bool:
    return any(s.value == "Results" for s in at.header)


def test_the_lab_page_opens_at_slash_lab_with_the_lesson_defaults(monkeypatch):
    from engine.content.loader import lab_sections, load_course

    monkeypatch.delenv("LORA_LAB_MODEL", raising=False)
    settings = lab_sections(load_course())[0][1].settings
    at = open_page("lab")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("Lab: ")
    assert at.number_input(key="lab-page-rank").value == settings.rank
    assert at.number_input(key="lab-page-steps").value == settings.steps
    assert at.number_input(key="lab-page-lr").value == pytest.approx(settings.learning_rate)
    assert at.multiselect(key="lab-page-modules").value == settings.target_modules
    assert at.text_input(key="lab-page-model").value == settings.model


def test_the_model_field_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("LORA_LAB_MODEL", "someone/tiny-llama")
    assert open_page("lab").text_input(key="lab-page-model").value == "someone/tiny-llama"


def test_a_model_the_operator_does_not_allow_is_refused_with_a_message(fake_target, monkeypatch):
    monkeypatch.delenv("LORA_LAB_ALLOWED_MODELS")
    at = _start(open_page("lab"), model="someone/huge-model")
    assert not at.exception
    [error] = at.error
    assert "model: the Lab on this server accepts only models/*" in error.value
    assert "lab-page-jobs" not in at.session_state


def test_out_of_bounds_settings_get_a_message_naming_each_field(fake_target):
    at = _start(open_page("lab"), rank=100, steps=501)
    assert not at.exception
    [error] = at.error
    assert "rank: must be at most 64 (you gave 100)" in error.value
    assert "steps: must be at most 500 (you gave 501)" in error.value
    assert "lab-page-jobs" not in at.session_state


def test_choosing_no_method_gets_a_message(fake_target):
    at = _start(open_page("lab"), methods=())
    assert "methods: choose one or more of full, lora, qlora" in at.error[0].value


def test_a_comparison_runs_and_shows_every_result(fake_target):
    at = _start(open_page("lab"), steps=3, rank=4)
    ids = at.session_state["lab-page-jobs"]
    assert list(ids) == ["full", "lora", "qlora"]  # the session keeps only job ids
    _run_until(at, _results_shown)
    assert [t.label for t in at.tabs] == ["full: code and adapter", "lora: code and adapter", "qlora: code and adapter"]
    assert [c.value for c in at.code] == ["# full with r=4", "# lora with r=4", "# qlora with r=4"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["lora: trainable share"] == f"{40 / 1040:.2%}" and metrics["full: skill"] == "100%"
    answers = at.dataframe[1].value
    assert list(answers.columns) == ["term", "question", "expected", "before", "after (full)", "after (lora)", "after (qlora)"]
    assert answers.iloc[0]["term"] == "Zorblax" and answers.iloc[0]["after (lora)"] == "our internal ticket tracker"
    assert len(at.get("plotly_chart")) == 2  # loss curves and memory bars
    assert any("no small adapter" in c.value for c in at.caption)  # full fine-tuning has none
    downloads = [b.proto.label for b in at.get("download_button")]
    assert [d.split(" (")[0] for d in downloads] == ["Download the lora adapter", "Download the qlora adapter"]


def test_a_running_job_shows_progress_and_can_be_cancelled(fake_target):
    from ui.components.lab_panel import job_queue

    at = _start(open_page("lab"), methods=("lora",), model="wait-for-cancel", steps=2)
    job_id = at.session_state["lab-page-jobs"]["lora"]
    _run_until(at, lambda a: "step 1 of 2" in str([p.proto.text for p in a.get("progress")]))
    assert job_queue().status(job_id).state == "running"
    assert any(m.value == "**lora** · running" for m in at.markdown)
    assert at.get("progress")[0].proto.text == "training: step 1 of 2 · loss 3.000"
    assert len(at.get("plotly_chart")) == 1  # the loss so far
    next(b for b in at.button if b.label == "Cancel").click()
    at.run()
    _run_until(at, lambda a: any("was cancelled" in w.value for w in a.warning))
    assert job_queue().status(job_id).state == "cancelled"
    assert not any(b.label == "Cancel" for b in at.button)


def test_a_closed_tab_leaves_its_run_going_and_the_queue_is_shared(fake_target):
    from ui.components.lab_panel import job_queue

    first_tab = _start(open_page("lab"), methods=("qlora",), model="wait-for-cancel", steps=2)
    job_id = first_tab.session_state["lab-page-jobs"]["qlora"]
    queue = job_queue()
    del first_tab  # the tab closes: its session and its script runs are gone
    second_tab = _start(open_page("lab"), methods=("lora",), steps=2)
    assert job_queue() is queue  # one queue for every session (st.cache_resource)
    time.sleep(1.0)
    assert queue.status(job_id).state == "running"  # not killed, not orphaned
    mine = second_tab.session_state["lab-page-jobs"]["lora"]
    assert queue.status(mine).state == "queued" and queue.status(mine).place == 1
    second_tab.run()
    assert any("place 1 in the queue" in c.value for c in second_tab.caption)
    queue.cancel(job_id)
    assert queue.wait(job_id, 30).state == "cancelled"
    assert queue.wait(mine, 60).state == "done"  # the next one still runs


def test_a_bad_queue_setting_is_a_clear_message(fake_target, monkeypatch):
    from ui.components.lab_panel import job_queue

    monkeypatch.setenv("LORA_LAB_MAX_JOBS", "lots")
    job_queue.clear()  # the next call builds the queue again, from this environment
    try:
        at = _start(open_page("lab"), methods=("lora",), steps=2)
        assert not at.exception
        assert at.error[0].value.startswith("The lab's job queue cannot start: LORA_LAB_MAX_JOBS must be")
    finally:
        monkeypatch.delenv("LORA_LAB_MAX_JOBS")
        job_queue.clear()


def test_memory_bars_switch_to_a_log_axis_when_sizes_differ_a_lot():
    from ui.components.lab_results import memory_figure

    def result(measured, total):
        return {"peak_memory_bytes": measured, "ledger": {"total_bytes": total}}

    close = memory_figure({"lora": result(4 << 20, 3 << 20), "qlora": result(3 << 20, 2 << 20)})
    far = memory_figure({"lora": result(200 << 20, 1 << 20)})
    assert [bar.y for bar in close.data] == [(4.0, 3.0), (3.0, 2.0)]  # MiB, measured then ledger
    assert close.layout.yaxis.type == "linear" and far.layout.yaxis.type == "log"


def test_the_lesson_lab_section_renders_the_same_lab():
    from engine.content.loader import lab_sections, load_course

    lesson, section = lab_sections(load_course())[0]
    at = open_page(lesson.id)
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="lab-section-rank").value == section.settings.rank
    assert any(b.label == "Start" for b in at.button)


def test_a_failed_run_shows_its_message(fake_target, monkeypatch):
    monkeypatch.setenv("LORA_LAB_JOB_TARGET", "tests.ui.test_lab_page:no_such_function")
    at = _start(open_page("lab"), methods=("lora",), steps=2)
    _run_until(at, lambda a: len(a.error) > 0)
    assert "lora failed: could not import the job function" in at.error[0].value


PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
import engine.content.loader as loader
loader.LESSON_DIR, loader.QUIZ_DIR = Path({lessons!r}), Path({quizzes!r})
from engine.lab.runs import adapter_zip
from tests.apptest import open_page
from tests.ui.test_lab_page import _start, _run_until, _results_shown
at = _start(open_page("lab"), steps=2)
_run_until(at, _results_shown)
print(json.dumps(sorted(m for m in ("torch", "transformers", "peft", "bitsandbytes") if m in sys.modules)))
"""


def test_the_lab_page_runs_jobs_without_importing_torch_in_the_server(fake_target):
    import engine.content.loader as loader

    code = PROBE.format(root=str(ROOT), lessons=str(loader.LESSON_DIR), quizzes=str(loader.QUIZ_DIR))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def make_tiny_llama(folder: Path, words: list[str]) -> Path:
    """A random 2-layer Llama (about 0.1 M parameters) with a byte-level BPE tokenizer trained
    on `words`: loadable by AutoModelForCausalLM like any model, made in a second, offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer, bpe.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(words, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256,
                         bos_token_id=1, eos_token_id=2)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("engine.lab.finetune") is None, reason="engine/lab/finetune.py is not in the tree")
def test_a_real_lora_run_of_two_steps_through_the_page(monkeypatch, tmp_path):
    from engine.content.loader import lab_sections, load_course

    glossary = lab_sections(load_course())[0][1].glossary
    model = make_tiny_llama(tmp_path / "tiny", [f"What is {g.term}? {g.definition}." for g in glossary] * 4)
    monkeypatch.delenv("LORA_LAB_JOB_TARGET", raising=False)  # the real engine.lab.finetune:run_lab
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", f"{tmp_path}/*")
    at = _start(open_page("lab", timeout=120), methods=("lora",), model=str(model), steps=2, rank=4)
    job_id = at.session_state["lab-page-jobs"]["lora"]
    _run_until(at, _results_shown, timeout=300)
    from ui.components.lab_panel import job_queue

    result = job_queue().status(job_id).result
    assert (result["method"], result["model"], result["steps"]) == ("lora", str(model), 2)
    assert len(result["loss_curve"]) == 2 and 0 < result["trainable_params"] < result["total_params"]
    assert at.code[0].value.strip() == result["code"].strip()
    assert [a["term"] for a in result["answers"]][:1] == [glossary[0].term]
    archive = zipfile.ZipFile(io.BytesIO(adapter_zip(result["adapter_dir"])))
    assert sorted(archive.namelist()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert json.loads(archive.read("adapter_config.json"))["r"] == 4
    assert any(b.proto.label.startswith("Download the lora adapter") for b in at.get("download_button"))


def test_a_file_as_the_model_is_refused_before_any_job_is_queued(fake_target, monkeypatch):
    """Issue 21: models/lora-lab-tiny/config.json passed the allow-list and queued 3 jobs that failed,
    each showing the server's absolute path."""
    for allowed, why in (("models/*", "accepts only models/* (you gave 'models/lora-lab-tiny/config.json')"),
                         ("*", "'models/lora-lab-tiny/config.json' is a file: give a model folder")):
        monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", allowed)
        at = _start(open_page("lab"), model="models/lora-lab-tiny/config.json")
        [error] = at.error
        assert why in error.value and str(ROOT) not in error.value and "lab-page-jobs" not in at.session_state


def test_a_failed_runs_message_keeps_the_servers_paths_out(fake_target, monkeypatch):
    monkeypatch.setenv("LORA_LAB_JOB_TARGET", "tests.ui.test_lab_page:fail_with_a_path")
    at = _start(open_page("lab"), methods=("lora",), steps=2)
    _run_until(at, lambda a: len(a.error) > 0)
    assert at.error[0].value == "lora failed: OSError: …/config.json: no such file"
    assert not at.expander or all(e.label != "Technical details" for e in at.expander)  # the traceback: instructors only


def fail_with_a_path(settings, glossary, method, on_progress=None, should_stop=None, output_dir=None):
    raise OSError(f"{ROOT}/models/secret-place/config.json: no such file")
