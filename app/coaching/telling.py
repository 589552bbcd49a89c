"""What was understood about the person, told back in plain words (the CLI, the debug page's twin).

One short line per kind of thing, so a person can check it at a glance:
"age 16 · 40 minutes a session · has: kettlebell · left shoulder (current) · ...".
"""

from __future__ import annotations

from app.coaching.profile import Profile, Unplaced


def _words(name: str) -> str:
    return name.replace("_", " ")


def told_back(profile: Profile) -> list[str]:
    p = profile
    parts: list[str] = []
    if p.age is not None:
        parts.append(f"age {p.age}")
    if p.minutes_per_session is not None:
        parts.append(f"{p.minutes_per_session} minutes a session")
    parts.append("has: " + ", ".join(map(_words, p.equipment)) if p.equipment else "a full gym")
    parts += [" ".join(filter(None, [i.side if i.side != "both" else "both", _words(i.area)])) + f" ({i.status})"
              for i in p.injuries]
    parts += [_words(c.kind) + (f" ({c.words})" if c.kind == "other" and c.words else "") for c in p.conditions]
    if p.sport is not None:
        parts.append(p.sport.name + (f", {p.sport.season}-season" if p.sport.season else ""))
    if p.event is not None:
        parts.append(_words(p.event.kind) + (f" in {p.event.in_weeks} weeks" if p.event.in_weeks is not None else ""))
    if p.emphasis:
        parts.append("more: " + ", ".join(p.emphasis))
    if p.de_emphasis:
        parts.append("less: " + ", ".join(p.de_emphasis))
    if p.avoid:
        parts.append("avoid: " + ", ".join(p.avoid))
    if p.cleared_by_clinician is not None:
        parts.append("cleared by a clinician" if p.cleared_by_clinician else "not cleared by a clinician yet")
    return parts


def render(profile: Profile, unplaced: list[Unplaced]) -> str:
    lines = ["Understood: " + " · ".join(told_back(profile))]
    lines += [f"Not placed: \"{u.words}\" ({u.why})" for u in unplaced]
    return "\n".join(lines)
