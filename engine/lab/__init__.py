"""The live lab: fine-tune the shipped small model by full fine-tuning, LoRA or QLoRA.

    settings.py  the hyperparameters a learner may set, with bounds
    corpus.py    the project's own pretraining text; pretrain.py builds models/lora-lab-tiny
    skill.py     the glossary task: training pairs and the skill score
    finetune.py  run_lab: load, wrap (PEFT / bitsandbytes), train, measure, answer
    measure.py   peak memory and the exact byte ledger of a run
    memory_scale.py  memory at scale: real steps of each method on a bigger random-weight
                 shape (GPT-2 125M), measured beside engine.maths.memory's prediction
    code.py      the same run as a plain script for the learner to copy
    runs.py      what the pages submit (a comparison of methods) and read back; the runs folder
    footprint.py the memory a run needs, by which the Ray backend sizes its share of a GPU
    models.py    which models the Lab accepts (a model folder, or a hub id from the cache, failing fast offline)
    messages.py  what a learner reads of a failed run: the server's paths taken out

    page ─▶ runs.submit_comparison ─▶ a job queue (engine/jobs) ─▶ worker ─▶ "engine.lab.finetune:run_lab"

Training knows nothing of queues: engine/jobs runs these functions by name, and nothing
here imports engine.jobs. Builds on engine.maths. torch, transformers, peft and
bitsandbytes are imported only inside the functions that train, so settings stay light.
"""
