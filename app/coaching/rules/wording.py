"""Rules about the program's words (name, description, summary): a summary a voice can speak, never
the person's words read back, the effort scale explained to a beginner, the doctor named when a
safety question was raised, and no claim the weeks do not bear out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.coaching.catalogue import rules_out, usable
from app.coaching.kinds import Equipment, Impact, Load, Movement, Pattern
from app.coaching.policy import SUMMARY_WORDS, TOLD_WORDS, VERBATIM_WORDS
from app.coaching.rules.registry import Rule, Subject, rule
from app.coaching.rules.walk import is_recovery_day, weekly_sets
from app.models import FitnessLevel

MARKUP = re.compile(r"[*_#`\[\]<>|~{}]|^\s*[-•]\s|^\s*\d+[.)]\s|\n", re.MULTILINE)
RPE_EXPLAINED = re.compile(r"one to ten|1 to 10|1-10|out of ten|out of 10|scale of", re.IGNORECASE)
# A quotation says whose words they are: the summary's last sentence quotes what the person said
# that nothing accounts for (app/coaching/telling.py), on purpose. Reading their words back
# unquoted, as the coach's own, is what `verbatim` catches; a claim inside a quote is theirs.
QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”')
DOCTOR = re.compile(r"\b(doctor|clinician|physician|GP|midwife|obstetrician)\b", re.IGNORECASE)


def _words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def unquoted(text: str) -> str:
    return QUOTED.sub(". ", text)  # a break: no claim or run joins the words either side of a quote


def read_back(raw: str, text: str) -> str | None:
    """The first run of the person's words repeated in text outside quotation marks, if any."""
    theirs = _words_of(raw)
    ours = " | ".join(" ".join(_words_of(part)) for part in QUOTED.split(text))
    ours = f" {ours} "
    for i in range(len(theirs) - VERBATIM_WORDS + 1):
        run = " ".join(theirs[i:i + VERBATIM_WORDS])
        if f" {run} " in ours:
            return run
    return None


@rule(Rule.summary_length)
def summary_length(s: Subject) -> Iterator[str]:
    words = len(s.program.summary.split())
    if words > SUMMARY_WORDS + TOLD_WORDS:  # the writer's words, and what code tells after them
        yield f"the summary has {words} words; a spoken summary has at most {SUMMARY_WORDS + TOLD_WORDS}"


@rule(Rule.summary_markup)
def summary_markup(s: Subject) -> Iterator[str]:
    if MARKUP.search(s.program.summary):
        yield "the summary contains markup or a list; it is read aloud, so plain sentences only"


@rule(Rule.verbatim)
def verbatim(s: Subject) -> Iterator[str]:
    p = s.program
    for field, text in (("summary", p.summary), ("description", p.description), ("name", p.name)):
        run = read_back(s.request.goal_raw, text)
        if run is not None:
            yield (f"the {field} reads the person's words back ({run!r}); say what the program does for them in "
                   "your own words")


@rule(Rule.rpe_explained)
def rpe_explained(s: Subject) -> Iterator[str]:
    uses_rpe = any("rpe" in it.ex.intensity.lower() for it in s.walk.all())
    if s.request.fitness_level is FitnessLevel.beginner and uses_rpe and not RPE_EXPLAINED.search(s.program.summary):
        yield ("a beginner's summary must say once, in plain words, what the effort scale means (for example: "
               "effort from one to ten, where ten means no rep left)")


@rule(Rule.doctor_first)
def doctor_first(s: Subject) -> Iterator[str]:
    c = s.constraints
    if c.caution and not DOCTOR.search(s.program.summary):
        why = ", ".join(p.value for p in c.populations)
        yield f"the summary must say plainly to check with a doctor first ({why})"


def _claims(s: Subject) -> list[tuple[str, str, bool]]:
    """(claim pattern, what it claims, whether the weeks bear it out)."""
    program, walk = s.program, s.walk
    entries = [it.entry for it in walk.all() if it.entry is not None]
    volumes = [weekly_sets(walk.week(w)) for w in program.weeks]
    deloads = {w.week for w in program.weeks if w.deload}  # a deload day is easy, not a recovery day
    return [
        (r"low[- ]impact", "low-impact work", all(e.impact <= Impact.low for e in entries)),
        (r"knee[- ]friendly|spar\w* (your |the )?knees|easy on (your |the )?knees",
         "knee-friendly work", not any(rules_out(e, Movement.knee_stress) for e in entries)),
        (r"back[- ]friendly|spine[- ]friendly|spar\w* (your |the )?(lower )?back|easy on (your |the )?back",
         "back-friendly work", not any(rules_out(e, Movement.axial_loading) or e.flexion for e in entries)),
        (r"shoulder[- ]friendly|spar\w* (your |the )?shoulders?", "shoulder-friendly work",
         not any(rules_out(e, Movement.shoulder_stress) for e in entries)),
        # Claims about the weeks, not advice beside them ("add cardio on rest days" claims nothing).
        (r"\b(includes?|with|plus|ends? with) (\w+ ){0,3}(cardio|aerobic)", "aerobic work",
         any(e.load is Load.cardio for e in entries)),
        (r"\bdeload weeks?\b", "a deload", any(w.deload for w in program.weeks)),
        # A lighter week after the peak: the last one, or an event's week inside the program.
        (r"\btaper", "a taper", any(v < max(volumes[:i]) for i, v in enumerate(volumes) if i)),
        (r"no (jumps|jumping)", "no jumps", not any(e.pattern is Pattern.jump for e in entries)),
        (r"\bactive recovery days?\b", "a recovery day",
         any(is_recovery_day(items) for (w, _), items in walk.days.items() if w not in deloads)),
        (r"(only|just) dumbbells|dumbbells only", "dumbbells only",
         all(usable(e, {Equipment.dumbbell, Equipment.bodyweight, Equipment.bench}) for e in entries)),
        (r"\bsprints?\b", "sprints", any(e.pattern is Pattern.sprint for e in entries)),
    ]


@rule(Rule.claims)
def claims(s: Subject) -> Iterator[str]:
    p = s.program
    text = unquoted(f"{p.name} {p.description} {p.summary}")
    for rx, claim, true in _claims(s):
        denied = rf"\b(no|not|without|leaves? out|avoids?|never|nor)\W+(\w+\W+){{0,3}}(?:{rx})"
        if not true and re.search(rx, text, re.IGNORECASE) and not re.search(denied, text, re.IGNORECASE):
            yield f"the text claims {claim}, but the weeks do not contain it"
