"""Where autoc fixes a pyflyte bug that changes the output, ``--sdk flytekit`` keeps pyflyte's output (what is
registered already must stay the same) and says so, naming the task."""

from __future__ import annotations

import sys
from typing import List

from autoc.core.tracker import find_variable, nesting_problem


def keep_pyflyte_names(tasks) -> List[str]:
    """pyflyte's names and loader args for ``bar = task(foo)`` (named and loaded as ``foo``, which in the container
    is the undecorated function) and for task objects with aliases (the alphabetically first name, not the first
    bound). Returns one warning per task whose output differs from autoc's own."""
    warnings = []
    for t in tasks:
        mod = sys.modules.get(t.instantiated_in or "")
        if mod is None or getattr(t, "_lhs", None) is not None:
            continue
        ours = find_variable(t.instantiated_in, t)
        if ours is None:
            continue  # not held by a module variable: translation reports it
        fn = getattr(t, "task_function", None)
        if fn is not None:
            if nesting_problem(fn) or fn.__module__ != t.instantiated_in \
                    or getattr(sys.modules.get(fn.__module__), fn.__name__, None) is t:
                continue
            theirs = fn.__name__
            why = f"which in the container is the undecorated function {theirs}(), not the task"
        else:
            names = sorted(k for k in dir(mod) if getattr(mod, k, None) is t)
            theirs = names[0]
            if theirs == ours:
                continue
            why = f"the alphabetically first of its names {', '.join(names)}"
        t._lhs = theirs
        warnings.append(f"{t.creation_site}: task {t.name}: kept pyflyte's loader args (task-name {theirs}, {why}); "
                        f"without --sdk flytekit autoc loads it as {t.instantiated_in}.{ours}")
    return warnings
