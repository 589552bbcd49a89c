"""The reading pipeline, built once: spaCy's English tokenizer (no trained model: none is needed, and
none can be downloaded where this runs), a sentencizer, medspaCy's target matcher holding the
vocabulary, and medspaCy's ConText with the call-speech triggers.

Importing spaCy and medspaCy takes about two seconds, so nothing here is imported until the first
reading: the API never pays it, and a worker pays it once.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

from app.coaching.reading import body, context, plans
from app.coaching.reading.phrases import pattern

VOCABULARY: list[body.Entry] = [
    *body.BODY, *body.PROBLEMS, *body.CONDITIONS, *body.CLEARANCE, *body.UNPLACED,
    *plans.EQUIPMENT, *plans.SPORTS, *plans.SEASONS, *plans.EVENTS, *plans.TIME, *plans.WISHES, *plans.EXERCISES,
    *plans.DISLIKES,
    *plans.IGNORED,
]
# Which triggers end at a comma: a denial, not a history ("tore it last year, still rehabbing it").
# Given to each rule as its `terminated_by`: medspaCy's own `terminating_types` setting goes through
# spaCy's config validation, which turns each list into a one-pass iterator, so only the first rule
# of a category ever got it ("no" ended at a comma, "can't do" did not).
COMMA_ENDS = {context.NEGATED: [context.COMMA], context.HYPOTHETICAL: [context.COMMA],
              context.POSSIBLE: [context.COMMA], context.FAMILY: [context.COMMA]}


def _target_rules() -> list[Any]:
    from medspacy.ner import TargetRule

    return [TargetRule(literal=phrase, category=label, pattern=pattern(phrase), metadata=meta)
            for label, phrases, meta in VOCABULARY for phrase in phrases]


def _context_rules() -> list[Any]:
    from medspacy.context import ConTextRule

    return [ConTextRule(literal=phrase, category=category, direction=direction, pattern=pattern(phrase),
                        max_scope=scope, terminated_by=set(COMMA_ENDS.get(category, ())))
            for category, direction, phrases, scope in context.RULES for phrase in phrases]


@functools.cache
def nlp() -> Any:
    """The pipeline (a spacy.Language), made on first use and shared by every reading after it."""
    with warnings.catch_warnings():
        # spaCy and medspaCy warn about their own dependencies on import (pkg_resources, click).
        warnings.simplefilter("ignore")
        import medspacy  # noqa: F401  (registers the medspacy_* factories)
        import spacy

    language = spacy.blank("en")
    language.add_pipe("sentencizer")
    matcher: Any = language.add_pipe("medspacy_target_matcher")
    matcher.add(_target_rules())
    ctx: Any = language.add_pipe("medspacy_context", config={"rules": None})
    ctx.add(_context_rules())
    return language
