"""What the pipeline found in the words, as plain data: each mention with its label, its vocabulary
entry's metadata, what ConText says of it, its clause and sentence, and the words around it.

A clause is a stretch of a sentence between commas, colons, semicolons and "but": the reader pairs
a body area with what is wrong with it, and a muscle group with a wish, inside one clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.coaching.reading import context

CLAUSE_BREAKS = frozenset({",", ";", ":", ".", "?", "!", "--", "—", "(", ")", "but", "though", "although"})
DROPPED = frozenset({context.NEGATED, context.HYPOTHETICAL, context.FAMILY})


@dataclass(frozen=True)
class Mention:
    label: str
    text: str
    start: int  # token offsets in the doc
    end: int
    clause: int
    sentence: int
    meta: dict[str, Any]
    cats: frozenset[str]  # ConText categories that modify it
    numbers: tuple[str, ...] = ()  # the number words inside it
    triggers: tuple[tuple[str, int], ...] = ()  # each ConText category with the clause its trigger is in
    after: str = ""  # the word right after it, lower-cased

    @property
    def negated(self) -> bool:
        return context.NEGATED in self.cats

    @property
    def dropped(self) -> bool:
        """Denied, a hypothetical, or someone else's."""
        return bool(self.cats & DROPPED)


@dataclass
class Found:
    mentions: list[Mention]
    clauses: list[str]  # the text of each clause, by index
    tokens: list[str] = field(default_factory=list)  # lower-cased
    clause_of: list[int] = field(default_factory=list)  # clause index of each token

    def in_clause(self, clause: int, *labels: str) -> list[Mention]:
        return [m for m in self.mentions if m.clause == clause and m.label in labels]


def _numbers(span: Any) -> tuple[str, ...]:
    """The number words of a mention; "a" and "an" count as one only where no other number is
    said ("in a month", but not "a 15-year-old")."""
    said = tuple(t.text for t in span if t.like_num)
    return said or tuple(t.text for t in span if t.lower_ in ("a", "an"))


def found(doc: Any) -> Found:
    """Flatten a processed spaCy Doc into mentions and clauses."""
    clause_of: list[int] = []
    texts: list[list[str]] = [[]]
    clause = 0
    sentence_starts = {s.start for s in doc.sents}
    for token in doc:
        lower = token.lower_
        if (lower in CLAUSE_BREAKS or token.i in sentence_starts) and texts[-1]:
            clause += 1
            texts.append([])
        clause_of.append(clause)
        if lower not in CLAUSE_BREAKS:
            texts[-1].append(token.text_with_ws)
    sentence_of = {t.i: n for n, s in enumerate(doc.sents) for t in s}
    mentions = []
    for ent in doc.ents:
        rule = ent._.target_rule
        after = doc[ent.end].lower_ if ent.end < len(doc) else ""
        mentions.append(Mention(
            label=ent.label_, text=ent.text, start=ent.start, end=ent.end, clause=clause_of[ent.start],
            sentence=sentence_of[ent.start], meta=dict(rule.metadata or {}),
            cats=frozenset(m.category for m in ent._.modifiers),
            numbers=_numbers(ent), after=after,
            triggers=tuple((m.category, clause_of[m.modifier_span[0]]) for m in ent._.modifiers)))
    return Found(mentions=mentions, clauses=["".join(t).strip() for t in texts],
                 tokens=[t.lower_ for t in doc], clause_of=clause_of)
