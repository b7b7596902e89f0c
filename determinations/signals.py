"""Signals other apps hook into.

`public_copy_ready` is sent (after the commit) when the redacted public copy
of the case's current final determination has been rendered: the first
decision, a re-render, or the amended copy of a correction, which replaces
the previous version's. Receivers get ids and objects, never the PDF bytes:

    from determinations.signals import public_copy_ready

    @receiver(public_copy_ready)
    def publish(sender, *, letter, determination, replaces, **kwargs):
        # letter: the ready public Letter; determination: its final Determination;
        # replaces: the Determination it supersedes (a correction), or None.
        ...

A receiver that raises is logged and does not undo the render.
"""

from django.dispatch import Signal

public_copy_ready = Signal()
