"""The equipment rule of the profile (issue 25, item 6): every exercise, as written, can be done with
the equipment the person listed, the whole list: a bench press needs a bench as well as a bar, a
pull-up a bar, and a "dumbbell lunge" a dumbbell even though a lunge can be done without one.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.coaching.equipment import listed, missing
from app.coaching.rules.registry import Rule, Subject, rule


@rule(Rule.equipment_list)
def equipment_list(s: Subject) -> Iterator[str]:
    have = listed(s.request.profile)
    if have is None:
        return  # no list: a full gym, or what the words said (the `equipment` rule judges that)
    names = ", ".join(sorted(str(kind) for kind in have))
    for it in s.walk.known():
        lacking = missing(it.entry, it.ex.name, have)
        if lacking is not None:
            yield (f"{it.where}: needs {lacking}, which is not on the person's equipment list ({names}); choose a "
                   "variation they can do with what they have, or its bodyweight version")
