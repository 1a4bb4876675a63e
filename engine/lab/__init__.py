"""The live lab: fine-tune the shipped small model by full fine-tuning, LoRA or QLoRA.

    settings.py  the hyperparameters a learner may set, with bounds
    corpus.py    the project's own pretraining text; pretrain.py builds models/lora-lab-tiny
    skill.py     the glossary task: training pairs and the skill score
    finetune.py  run_lab: load, wrap (PEFT / bitsandbytes), train, measure, answer
    measure.py   peak memory and the exact byte ledger of a run
    memory_scale.py  memory at scale: real steps of each method on a bigger random-weight
                 shape (GPT-2 125M), measured beside engine.maths.memory's prediction
    code.py      the same run as a plain script for the learner to copy
    worker.py    the worker process a job runs in; jobs.py the queue that starts them
    fair.py      learners take turns; how many runs one learner may queue
    shared_queue.py  what the pages use: job records in the progress database, run by
                 jobs.py in this process or by ray_backend.py / ray_actors.py on a Ray cluster
    runs.py      what the pages submit (a comparison of methods) and read back; the runs folder
    models.py    which models the Lab accepts (a model folder, or a hub id from the cache, failing fast offline)
    messages.py  what a learner reads of a failed run: the server's paths taken out

    page ─▶ runs.submit ─▶ shared_queue ─▶ lab_jobs rows ─▶ jobs.JobQueue ─spawn─▶ worker ─▶ finetune.run_lab
                                               │                 ◀── progress, losses, result over a pipe
                                               └─▶ Ray: dispatcher ─▶ one actor per job (the same JobQueue inside)

Builds on engine.maths, and on engine.progress for the job records. torch, transformers, peft and bitsandbytes are imported
only inside the functions that train, so the queue and settings stay light.
"""
