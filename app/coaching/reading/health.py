"""Injuries, conditions, a clinician's clearance and the unplaced, from the mentions.

An injury is a body area paired with something wrong with it in the same clause ("bad left
shoulder"), or an injury named by itself ("ACL reconstruction"). When the area's clause says
nothing more, the next clause or two may finish the thought ("so my knee, the left one, it's been
acting up"), as long as they name no other area. ConText decides the rest: denied, hypothetical or
someone else's means no injury; resolved or history means `past`; healing means `recovering`.
"""

from __future__ import annotations

from app.coaching.profile import Area, Condition, Injury, Side, Status, Unplaced
from app.coaching.reading import context
from app.coaching.reading.mentions import Found, Mention

SIDES: dict[str, Side] = {"left": "left", "right": "right", "both": "both"}
NOT_PLURAL = frozenset({"achilles", "abs", "glutes", "hamstrings", "calves", "lats", "traps", "pecs", "delts"})
PLURAL_AREAS = frozenset({"knee", "shoulder", "elbow", "wrist_hand", "hip", "ankle_foot"})
AREA_LABELS = ("BODY", "INJURY")
LOOK_AHEAD = 2  # clauses
# Words that may stand between the areas of a coordination: "my neck and shoulders",
# "neck, shoulders and upper back", "my wrist and my lower back", "left shoulder and elbow".
JOINERS = frozenset({",", "and", "or", "&", "/", "n", "nor"})
BETWEEN = JOINERS | frozenset({"my", "the", "both", "left", "right", "also"})


def status_of(cats: frozenset[str]) -> Status:
    if context.RESOLVED in cats:
        return "past"
    if context.RECOVERING in cats:
        return "recovering"
    return "past" if context.HISTORICAL in cats else "current"


def _names_area(m: Mention) -> bool:
    return m.label == "INJURY" or (m.label == "BODY" and "area" in m.meta)


def _window(f: Found, m: Mention) -> list[int]:
    """The mention's clause and the following ones that name no other area (at most LOOK_AHEAD)."""
    clauses = [m.clause]
    for c in range(m.clause + 1, min(m.clause + 1 + LOOK_AHEAD, len(f.clauses))):
        if any(_names_area(o) for o in f.in_clause(c, *AREA_LABELS)):
            break
        clauses.append(c)
    return clauses


def _side(f: Found, m: Mention, window: list[int]) -> tuple[Side | None, int]:
    """The side said of the mention, and the clause it was said in."""
    best: tuple[int, Side, int] | None = None
    others = [o for o in f.in_clause(m.clause, *AREA_LABELS) if _names_area(o) and o.meta["area"] != m.meta["area"]]
    for i, (token, clause) in enumerate(zip(f.tokens, f.clause_of, strict=True)):
        if token in SIDES and clause in window:
            distance = abs(i - m.start) if clause == m.clause else 100 + abs(i - m.start)
            if any(abs(i - o.start) < distance for o in others):
                continue  # "sore left knee and a bad back": the left is the knee's
            if best is None or distance < best[0]:
                best = (distance, SIDES[token], clause)
    if best is not None:
        return best[1], best[2]
    return _plural_side(m), m.clause


def _plural_side(m: Mention) -> Side | None:
    last = m.text.lower().split()[-1]
    plural = m.meta.get("plural") or (last.endswith("s") and last not in NOT_PLURAL and not last.endswith("ss"))
    return "both" if plural and m.meta.get("area") in PLURAL_AREAS else None


def _is_area(m: Mention) -> bool:
    return m.label == "BODY" and "area" in m.meta


def coordinations(f: Found) -> list[list[Mention]]:
    """Body areas said together ("my neck and shoulders hurt"), in order; an area said alone is a
    group of one. The areas of one group share what is wrong with them, and a side said before the
    first ("left shoulder and elbow") unless one says its own."""
    groups: list[list[Mention]] = []
    for m in (m for m in f.mentions if _is_area(m)):
        if groups:
            prev = groups[-1][-1]
            between = f.tokens[prev.end:m.start]
            if between and set(between) <= BETWEEN and set(between) & JOINERS:
                groups[-1].append(m)
                continue
        groups.append([m])
    return groups


def _shared_side(f: Found, group: list[Mention], k: int) -> Side | None:
    """The side the k-th area of a coordination gets from the words between the areas."""
    own = [t for t in f.tokens[group[k - 1].end:group[k].start] if t in ("left", "right")]
    if own:
        return SIDES[own[-1]]
    first = group[0]
    lead = f.tokens[max(0, first.start - 2):first.start]
    said = [t for t in lead if t in ("left", "right", "both")]
    return SIDES[said[-1]] if said else None


def _problem(f: Found, window: list[int], claimed: set[int]) -> Mention | None:
    for clause in window:
        for p in f.in_clause(clause, "PROBLEM"):
            if p.start not in claimed:
                return p
    return None


def injuries(f: Found) -> list[Injury]:
    found: dict[tuple[Area, Status], Injury] = {}
    claimed: set[int] = set()
    group_of = {m.start: (g, k) for g in coordinations(f) for k, m in enumerate(g)}
    shared: dict[int, Mention | None] = {}  # a coordination's problem, by its first area's start
    for m in f.mentions:
        if not _names_area(m):
            continue
        window = _window(f, m)
        cats = m.cats
        last = m.clause  # the last clause that said something about it: its words run to there
        group, k = group_of.get(m.start, ([m], 0))
        if m.label == "BODY":
            clauses = {g.clause for g in group}
            if any(f.in_clause(c, "EMPH", "DEEMPH") for c in clauses) and not any(
                    f.in_clause(c, "PROBLEM") for c in clauses):
                continue  # "I want a bigger back": a wish, not a complaint
            if len(group) == 1:
                problem = _problem(f, window, claimed)
            elif group[0].start in shared:
                problem = shared[group[0].start]
            else:  # the problem said after the last area ("X and Y hurt"), or with the first ("sore X and Y")
                problem = _problem(f, _window(f, group[-1]), claimed) or _problem(f, _window(f, group[0]), claimed)
                shared[group[0].start] = problem
            if problem is None:
                continue
            claimed.add(problem.start)
            cats = cats | problem.cats
            last = max(problem.clause, group[-1].clause)
        if cats & {context.NEGATED, context.HYPOTHETICAL, context.FAMILY}:
            continue
        area: Area = m.meta["area"]
        status = status_of(cats)
        side, side_clause = _side(f, m, window)
        if k:  # a later area of a coordination: its own side, the first's, or its plural
            side, side_clause = _shared_side(f, group, k) or _plural_side(m), m.clause
        words = ", ".join(f.clauses[c] for c in range(m.clause, max(last, side_clause) + 1) if f.clauses[c])
        key = (area, status)
        if key in found:  # "shin splints and a sore left ankle": one ankle, the side said
            if found[key].side is None and side is not None:
                found[key] = found[key].model_copy(update={"side": side})
            continue
        found[key] = Injury(area=area, side=side, status=status, words=words[:200])
    return list(found.values())


def conditions(f: Found) -> list[Condition]:
    out: dict[str, Condition] = {}
    for m in f.mentions:
        if m.label != "CONDITION" or m.cats & {context.NEGATED, context.FAMILY}:
            continue
        if context.HYPOTHETICAL in m.cats and not m.meta.get("chronic"):
            continue  # "what if I get pregnant", but "in case my asthma flares up" is still asthma
        if m.cats & {context.HISTORICAL, context.RESOLVED} and not m.meta.get("lasting"):
            continue  # "had gestational diabetes, that's over now"
        kind = m.meta["kind"]
        out.setdefault(kind, Condition(kind=kind, words=f.clauses[m.clause][:200]))
    return list(out.values())


def cleared(f: Found) -> bool | None:
    said = [m for m in f.mentions if m.label == "CLEARED" and not m.cats & {context.HYPOTHETICAL, context.FAMILY}]
    if not said:
        return None
    return not any(m.negated for m in said)  # a "not yet" anywhere wins: the cautious reading


def unplaced(f: Found, placed_clauses: set[int]) -> list[Unplaced]:
    out: list[Unplaced] = []
    seen: set[int] = set()
    for m in f.mentions:
        if m.dropped or m.clause in seen:
            continue
        if m.label in ("UNPLACED", "UNPLACED_GEAR"):
            why = str(m.meta["why"])
        elif m.label == "PROBLEM" and m.clause not in placed_clauses and m.text.lower() not in GENERIC:
            why = "something wrong, but not what or where"
        else:
            continue
        seen.add(m.clause)
        out.append(Unplaced(words=f.clauses[m.clause][:200], why=why))
    return out


# Problem words that alone name nothing: "I don't have any problems" is not something to place.
GENERIC = frozenset({"bad", "wrong", "tight", "stiff", "weak"})
