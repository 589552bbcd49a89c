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
AFTER = frozenset({"weak", "lagging"})  # wishes said after the muscle ("my hamstrings are weak")
LINKS = frozenset({"is", "are", "'s", "has", "have", "been", "feel", "feels", "kinda", "really", "so", "still",
                   "always", "a", "bit", "pretty", "very", "getting", "gets", "get"})


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


def wished(f: Found, m: Mention) -> bool:
    """An area said as what the person wants more or less of ("I want bigger shoulders and my knee
    is sore": the shoulders are a wish): a wish before it in its clause with nothing wrong said
    between, and nothing wrong said right after it ("I want to fix my back pain" is a complaint).
    A wish reaches a second possessive ("...arms and shoulders and my knee") no further. Only
    words that name muscles can be wished for ("my ankle is weak" is a complaint)."""
    if "muscles" not in m.meta:
        return False
    after = [o for o in f.mentions if m.end <= o.start <= m.end + 3 and o.label in ("PROBLEM", "BODY", "EMPH")]
    if after and after[0].label == "EMPH" and after[0].text.lower() in AFTER and set(
            f.tokens[m.end:after[0].start]) <= LINKS:
        return True  # "my hamstrings are weak"
    cues = [c for c in f.in_clause(m.clause, "EMPH", "DEEMPH") if c.end <= m.start and c.text.lower() not in AFTER]
    if not cues:
        return False
    cue = cues[-1]
    between = [o for o in f.mentions if cue.end <= o.start < m.start]
    if any(o.label == "PROBLEM" for o in between):
        return False
    if any(o.label == "BODY" for o in between) and "my" in f.tokens[max(0, m.start - 2):m.start]:
        return False
    attached = after and after[0].label == "PROBLEM" and set(f.tokens[m.end:after[0].start]) <= LINKS
    return not attached


def coordinations(f: Found) -> list[list[Mention]]:
    """Body areas said together ("my neck and shoulders hurt"), in order; an area said alone is a
    group of one. The areas of one group share what is wrong with them, and a side said before the
    first ("left shoulder and elbow") unless one says its own. An area wished for is in none."""
    groups: list[list[Mention]] = []
    for m in (m for m in f.mentions if _is_area(m) and not wished(f, m)):
        if groups:
            prev = groups[-1][-1]
            between = f.tokens[prev.end:m.start]
            if between and set(between) <= BETWEEN and set(between) & JOINERS:
                groups[-1].append(m)
                continue
        groups.append([m])
    return groups


def _shared_side(f: Found, group: list[Mention], k: int) -> Side | None:
    """The side of the k-th area of a coordination: its own ("left knee and right hip"), the one
    said before the first ("left shoulder and elbow"), or one said after the last in its clause
    ("knee and ankle pain on the left side"); else none, or both for a plural."""
    first, last = group[0], group[-1]
    start = group[k - 1].end if k else max(0, first.start - 2)
    own = [t for t in f.tokens[start:group[k].start] if t in SIDES]
    if own or group[k].meta["area"] not in PLURAL_AREAS:
        return SIDES[own[-1]] if own else None  # "both knees and my lower back": a back has no sides
    lead = [t for t in f.tokens[max(0, first.start - 2):first.start] if t in ("left", "right")]
    trail = [t for t, c in zip(f.tokens[last.end:], f.clause_of[last.end:], strict=True)
             if c == last.clause and t in ("left", "right")]
    said = own or lead or trail[:1]
    return SIDES[said[-1]] if said else _plural_side(group[k])


STATUSES = frozenset({context.HISTORICAL, context.RECOVERING, context.RESOLVED})


def _own_cats(f: Found, m: Mention, areas: set[int]) -> frozenset[str]:
    """What ConText says of a mention, less a history, healing or recovery said in another clause
    that names an area of its own: "my knee is killing me, had shoulder surgery years ago" puts the
    shoulder in the past, not the knee. `areas` are the starts of the mention's own areas."""
    def elsewhere(clause: int) -> bool:
        return clause != m.clause and any(
            _names_area(o) and o.start not in areas for o in f.in_clause(clause, *AREA_LABELS))
    moved = {cat for cat, clause in m.triggers if cat in STATUSES and elsewhere(clause)}
    kept = {cat for cat, clause in m.triggers if not (cat in STATUSES and elsewhere(clause))}
    return frozenset(m.cats - (moved - kept))


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
        group, k = group_of.get(m.start, ([m], 0))
        areas = {g.start for g in group}
        cats = _own_cats(f, m, areas)
        last = m.clause  # the last clause that said something about it: its words run to there
        if m.label == "BODY" and m.start not in group_of:
            continue  # wished for, not a complaint
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
            cats = cats | _own_cats(f, problem, areas)
            last = max(problem.clause, group[-1].clause)
        if cats & {context.NEGATED, context.HYPOTHETICAL, context.FAMILY}:
            continue
        area: Area = m.meta["area"]
        status = status_of(cats)
        side, side_clause = _side(f, m, window) if len(group) == 1 else (_shared_side(f, group, k), m.clause)
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
