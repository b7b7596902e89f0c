"""Named crash points for the fault tests (`make faults`): kill the process at one step.

With IMR_CRASH_FILE set (never in a deployment: then this is one
environment lookup), `crash_point("render.after_store")` reads that file;
if it names this step, the process renames the file to "<file>.done" (so
only one process crashes, once) and ends at once with os._exit, as an OOM
kill would. The retry that follows then finishes the work. The fault tests
write the step to the file while a real worker runs.

Steps: render.before_render, render.after_render, render.after_store,
render.after_ready (imrsite.pipeline); email.after_claim,
email.before_data, email.after_data (correspondence.services.email).
"""

import os


def crash_point(name: str) -> None:
    path = os.environ.get("IMR_CRASH_FILE")
    if not path:
        return
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read().strip() != name:
                return
        os.replace(path, path + ".done")
    except OSError:
        return  # no step armed, or another process took it first
    os._exit(1)
