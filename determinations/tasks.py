"""Celery tasks: thin, take an id, call a service.

The letter's render and sweep tasks are made by the shared engine
(`imrsite.pipeline.render_task` / `sweep_task`), which states acks_late,
reject_on_worker_lost, retries and time limits on the task itself.
"""

from imrsite import pipeline

render_letter = pipeline.render_task(name="determinations.render_letter", document_type="determinations.letters.LETTER")
sweep_letters = pipeline.sweep_task(name="determinations.sweep_letters", document_type="determinations.letters.LETTER")
