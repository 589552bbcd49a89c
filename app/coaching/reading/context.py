"""ConText's triggers for how people talk about themselves on a call.

medspaCy ships ConText rules written for clinical notes ("denies", "h/o", "return"); these are the
same algorithm's triggers for call speech: what denies a thing ("no", "never had", "my knees are
fine"), what puts it in the past ("two years ago", "used to", "back in high school"), what says it
is healing ("still rehabbing it", "getting better") or over ("fully healed", "rehab finished"),
what makes it a hypothetical ("in case", "what if", "worried I could"), and what makes it someone
else's ("my son"). A trigger's scope runs to the end of its sentence in its direction, cut by
"but" and the like; a denial's scope also ends at a comma ("no equipment, bodyweight only"),
while history and healing reach across one ("tore it last year, still rehabbing it").
"""

from __future__ import annotations

# (category, direction, phrases, max_scope in tokens or None for the sentence)
Rule = tuple[str, str, tuple[str, ...], int | None]

NEGATED = "NEGATED_EXISTENCE"
HISTORICAL = "HISTORICAL"
RECOVERING = "RECOVERING"
RESOLVED = "RESOLVED"
HYPOTHETICAL = "HYPOTHETICAL"
POSSIBLE = "POSSIBLE_EXISTENCE"
FAMILY = "FAMILY"
COMMA = "COMMA"

RULES: list[Rule] = [
    (NEGATED, "FORWARD", ("no", "not", "never", "never had", "without", "nothing", "none", "nor", "avoid",
                          "do n't|dont have", "do n't|dont", "does n't", "have n't|havent", "has n't|hasnt",
                          "free of", "zero", "hate", "not a fan of", "ca n't|cant do", "nothing wrong with",
                          "no more", "skip"), 6),
    (NEGATED, "BACKWARD", ("are|is|'s|feel|feels|seem fine", "are|is|'s ok|okay|good|great|healthy|perfect",
                           "fine too", "nope", "are not an issue", "is not an issue"), 6),
    # "no longer than 50 minutes", "not sure": a negation's words that deny nothing
    ("PSEUDO", "PSEUDO", ("no longer than", "no more than", "not sure", "not too much", "do n't care about",
                          "not interested in", "no need for", "do n't need", "do n't want big", "not building",
                          "not only", "no matter", "not just", "nothing like that",
                          "never been", "no problem doing", "year|years|yr|yrs old",
                          # school said in the present is no history: "I'm 19 and I row in college"
                          "i 'm|am in college|school|uni|university",
                          "i|we row|swim|run|ski|box|wrestle|compete|race|play in college|school|uni|university"),
     None),
    (HISTORICAL, "BIDIRECTIONAL", ("years|yrs|ages ago", "# years|yrs ago", "#+ years ago", "a few years ago",
                                   "a year ago", "last year", "used to", "back in", "in high school",
                                   "in college|school|uni|university", "in @year", "when i was in",
                                   "when i was younger|young|a kid|a teenager", "as a kid|teen|teenager",
                                   "history of", "previous|previously|prior", "years back",
                                   "in my last pregnancy", "last pregnancy", "a while ago|back"), None),
    (HISTORICAL, "FORWARD", ("old",), 3),  # "an old shoulder injury", not "45 years old and my knee hurts"
    (RECOVERING, "BIDIRECTIONAL", ("recovering", "recovering from", "rehab|rehabbing|rehabilitation", "physio",
                                   "physical therapy", "pt", "healing", "getting better", "almost better",
                                   "on the mend", "post op", "doing physio", "just had"), None),
    (RESOLVED, "BIDIRECTIONAL", ("fully healed", "healed", "all healed", "fine now", "it 's fine now",
                                 "are|is fine now", "ok|okay|good now",
                                 "fully recovered", "recovered", "gone", "it 's gone", "over now", "finished",
                                 "rehab finished", "no problems since", "anymore", "no longer", "all good"), None),
    (HYPOTHETICAL, "FORWARD", ("in case", "if", "what if", "worried", "worried i could|might", "could", "would",
                               "afraid", "scared", "prevent", "so i do n't", "might get", "in the event",
                               "avoid hurting|injuring", "do n't want to hurt|injure", "risk of"), None),
    (HYPOTHETICAL, "BACKWARD", ("in the future", "down the road", "someday|someday"), None),
    (POSSIBLE, "FORWARD", ("might have", "maybe", "possibly", "probably", "i think", "kinda|kind of",
                           "sort of"), None),
    (FAMILY, "BIDIRECTIONAL", ("my son|daughter|kid|kids|wife|husband|partner|mom|mum|dad|brother|sister|friend",
                               "son|daughter|wife|husband|mother|father|grandpa|grandma|grandfather|grandmother",
                               "son 's|daughter 's|wife 's|husband 's", "family history"), None),
    # A terminator's own scope is one token each side (max_scope 1): medspaCy cuts a trigger's
    # scope only where the two scopes "overlap", and its test misses a scope that lies wholly inside
    # the other's; a terminator scoped to its sentence therefore never cut a denial whose 6-token
    # window ended before the sentence did ("I never get injured, but my lower back is tight").
    # A wish after a comma starts what the person wants now: "ACL reconstruction two years ago, want
    # to jump higher for basketball" is a past knee and a present sport (issue 25's coach review);
    # "I don't want to do any squats" keeps its denial.
    ("TERMINATE", "TERMINATE", ("but", "though", "although", "however", "except", "plus", "while",
                                "whereas", "; ", "which", "so", "because", ", want to", ", i want to",
                                ", trying to", ", hoping to"), 1),
    # A comma ends a denial and a wish, not a history (ConText's terminating types, app/coaching/reading/pipeline).
    (COMMA, "PSEUDO", (",", "and i", "and my"), 1),
]
