"""Celery tasks: thin, take an id, call a service."""

from celery import shared_task


@shared_task(name="determinations.render_letter")
def render_letter(letter_id: int) -> None:
    from .letters import letter_render

    letter_render(letter_id=letter_id)
