"""Named crash points for the fault tests (`make faults`): kill the process at one step.

`crash_point("render.after_store")` ends the process at once (os._exit, as
an OOM kill would) when IMR_CRASH_AT names that step. With IMR_CRASH_MARKER
set, it crashes only the first time (the marker file records that it did),
so the retry that follows can finish the work. Unset in every deployment:
then it is one environment lookup.

Steps: render.before_render, render.after_render, render.after_store,
render.after_ready (imrsite.pipeline); email.after_claim,
email.before_data, email.after_data (correspondence.services.email).
"""

import os


def crash_point(name: str) -> None:
    if os.environ.get("IMR_CRASH_AT") != name:
        return
    marker = os.environ.get("IMR_CRASH_MARKER")
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return  # crashed here once already: let the retry through
        os.close(fd)
    os._exit(1)
