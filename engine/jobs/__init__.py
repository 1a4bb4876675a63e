"""Running work: a queue of jobs, each in a worker process of its own, locally or on Ray.

A job is a function named "package.module:function", called with keyword arguments,
`on_progress` (a dict per update) and `should_stop`. This package imports it only inside
the worker, and knows nothing of what it computes (the lab's fine-tuning is one caller).

    job.py       JobInfo: one job's state, progress, losses and result, as the pages see it
    queue.py     JobQueue: this server's jobs, `max_running` per device, each in a spawned worker
    worker.py    what runs inside a worker process: import the function by name, run it, report
    fair.py      learners take turns; how many runs one learner may queue
    threads.py   how many CPU threads each worker gives torch, and how many jobs run at once
    shared_queue.py  SharedQueue: job records in the progress database, for every app replica,
                 run by a LocalRunner (a JobQueue here) or a RayRunner
    ray_backend.py   the app side of Ray; ray_actors.py what runs on the cluster;
                 ray_auth.py connecting with Ray's token authentication, failures in words

    page ─▶ SharedQueue.submit_group ─▶ lab_jobs rows ─▶ LocalRunner ─▶ JobQueue ─spawn─▶ worker ─▶ "module:function"
                                            │                              ◀── progress, result over a pipe
                                            └─▶ RayRunner: dispatcher ─▶ one actor per job (a JobQueue inside)

Builds on engine.progress for the job records; imports neither engine.lab nor torch
(a worker imports whatever its job function needs).
"""
