"""Vocabulary of the body and of health: areas, what hurts, conditions, a clinician's clearance.

Each entry is (label, phrases, metadata): the phrases are written in app/coaching/reading/phrases
notation and become medspaCy target rules; the metadata says what a match means. A body area
alone is not an injury: the reader pairs it with something wrong in the same clause (PROBLEM),
unless the words name an injury by themselves (INJURY: "ACL", "sciatica", "tennis elbow").
"""

from __future__ import annotations

from typing import Any

Entry = tuple[str, tuple[str, ...], dict[str, Any]]
LEGS = ["quads", "hamstrings", "glutes", "calves"]
UPPER = ["chest", "back", "shoulders", "arms"]

BODY: list[Entry] = [
    # area, the muscle groups the same words name (for emphasis), and whether the words are plural
    ("BODY", ("~knee",), {"area": "knee"}),
    ("BODY", ("~knees", "kneez"), {"area": "knee", "plural": True}),
    ("BODY", ("lower|low back", "lower|low bak", "lumbar", "lower spine"), {"area": "lower_back"}),
    ("BODY", ("back",), {"area": "lower_back", "muscles": ["back"]}),
    ("BODY", ("upper|mid back", "between the shoulder blades", "thoracic"),
     {"area": "upper_back", "muscles": ["back"]}),
    ("BODY", ("~shoulder", "rotator cuff?", "ac joint"), {"area": "shoulder", "muscles": ["shoulders"]}),
    ("BODY", ("~shoulders", "delts"), {"area": "shoulder", "muscles": ["shoulders"], "plural": True}),
    ("BODY", ("neck", "cervical spine?"), {"area": "neck"}),
    ("BODY", ("~elbow",), {"area": "elbow"}),
    ("BODY", ("~elbows",), {"area": "elbow", "plural": True}),
    ("BODY", ("~wrist", "hand", "thumb", "finger|fingers"), {"area": "wrist_hand"}),
    ("BODY", ("~wrists", "hands"), {"area": "wrist_hand", "plural": True}),
    ("BODY", ("hip", "hip flexor", "groin", "~hamstring"), {"area": "hip", "muscles": ["hamstrings"]}),
    ("BODY", ("hips", "hip flexors"), {"area": "hip", "plural": True}),
    ("BODY", ("~ankle", "foot", "heel", "achilles", "calf", "shin", "toe|toes"), {"area": "ankle_foot"}),
    ("BODY", ("ankles", "feet", "shins"), {"area": "ankle_foot", "plural": True}),
    # muscle groups that name no injury area
    ("BODY", ("chest", "pecs|pec"), {"muscles": ["chest"]}),
    ("BODY", ("arms|arm", "biceps|bicep|bis", "triceps|tricep|tris", "guns"), {"muscles": ["arms"]}),
    ("BODY", ("quads|quad", "thighs"), {"muscles": ["quads"]}),
    ("BODY", ("glutes|glute", "butt|booty|bum"), {"muscles": ["glutes"]}),
    ("BODY", ("hamstrings", "hammies"), {"area": "hip", "muscles": ["hamstrings"], "plural": True}),
    ("BODY", ("calves",), {"area": "ankle_foot", "muscles": ["calves"], "plural": True}),
    ("BODY", ("core", "abs", "six pack abs?", "obliques", "midsection", "stomach"), {"muscles": ["core"]}),
    ("BODY", ("legs|leg", "lower body"), {"muscles": LEGS}),
    ("BODY", ("upper body",), {"muscles": UPPER}),
    ("BODY", ("lats", "traps"), {"muscles": ["back"]}),
    # injuries named by themselves
    ("INJURY", ("acl|mcl|pcl", "acl|mcl|pcl tear|reconstruction|surgery|repair", "~meniscus", "torn cartilage",
                "patellar tendonitis|tendinitis", "jumper 's knee", "runner 's knee", "knee replacement"),
     {"area": "knee"}),
    ("INJURY", ("sciatica", "herniated|bulging|slipped disc|disk", "disc|disk", "herniation", "spondylolisthesis",
                "back surgery", "spinal fusion"), {"area": "lower_back"}),
    ("INJURY", ("rotator cuff tear|injury|surgery", "labrum|labral tear?", "impingement", "shoulder impingement",
                "frozen shoulder", "dislocated shoulder", "shoulder dislocation"), {"area": "shoulder"}),
    ("INJURY", ("tennis|golfer|golfers elbow", "golfer 's elbow"), {"area": "elbow"}),
    ("INJURY", ("carpal tunnel",), {"area": "wrist_hand", "plural_if": "both"}),
    ("INJURY", ("hip replacement", "hip impingement", "labral hip tear"), {"area": "hip"}),
    ("INJURY", ("plantar fasciitis", "achilles tear|tendonitis|tendinitis|rupture", "shin splints",
                "sprained|rolled ankle"), {"area": "ankle_foot"}),
    ("INJURY", ("whiplash",), {"area": "neck"}),
]

PROBLEMS: list[Entry] = [
    ("PROBLEM", ("pain", "painful", "hurts|hurt|hurting", "sore|soreness", "ache|aches|achy|aching", "bad", "~injured",
                 "~injury", "injuries", "tweaked|tweak", "pulled|strained|strain|sprain|sprained", "torn|tore|tear",
                 "broke|broken|fracture|fractured", "dislocated|dislocation", "surgery|op|operation|replacement",
                 "reconstruction", "issue|issues|problem|problems", "dodgy|wonky|messed|busted|shot|wrecked",
                 "beat up", "acting|acts up", "killing me", "clicks|clicking|grinds|grinding", "stiff|stiffness",
                 "tight|tightness", "tendonitis|tendinitis|bursitis|arthroscopy", "wrong", "unstable|gives out",
                 "niggle|niggly|twinge", "rehab|rehabbing", "surgeries", "bugging|bothering me",
                 "trouble", "flares|flaring up", "playing up", "wreck|wrecks|kills|kill",
                 # what a joint does when it is bad: "locks up", "gives out", "goes out", "seizes"
                 "lock|locks|locked|locking up?", "seize|seizes|seized|seizing up?", "give|gives|gave|giving out|way",
                 "go|goes|went|going out", "act|acted|flare|flared|flaring up", "flare ups?|up",
                 "replaced|replacement", "operated on?", "scoped",
                 "cranky|grumpy|tender|swollen|swelling|inflamed|irritated|aggravated",
                 "numb|numbness|tingling|tingly", "spasm|spasms|spasming", "throbs|throbbing",
                 "bothers|bothered", "catches|catching", "pops|popping", "injured|injuring"), {}),
]

CONDITIONS: list[Entry] = [
    # lasting: still matters when told as history ("had a heart attack three years ago");
    # chronic: a diagnosis, still there when the sentence is a hypothetical ("in case my asthma flares up")
    ("CONDITION", ("~pregnant", "pregnancy", "pregnent", "trimester", "weeks along",
                   "expecting our|my|a|the? first|second|third? baby|child|twins",
                   "i 'm|am expecting"), {"kind": "pregnancy"}),
    ("CONDITION", ("postpartum|postnatal|post-partum", "post partum|natal", "had a|my|our baby",
                   "gave birth", "c section", "caesarean|cesarean", "new mom|mum", "breastfeeding", "diastasis"),
     {"kind": "postpartum", "lasting": True}),
    ("CONDITION", ("hypertension", "high blood pressure", "blood pressure", "hypertensive"),
     {"kind": "hypertension", "chronic": True}),
    ("CONDITION", ("~diabetes", "diabetic", "prediabetic|prediabetes", "insulin", "type 1|2 diabetic|diabetes"),
     {"kind": "diabetes", "chronic": True}),
    ("CONDITION", ("gestational diabetes",), {"kind": "diabetes"}),
    ("CONDITION", ("heart condition|disease|problem|problems|issue|issues|failure|surgery|murmur|attack",
                   "heart attack", "cardiac", "arrhythmia", "afib", "atrial fibrillation", "pacemaker", "stent",
                   "heart stent", "bypass", "angina"), {"kind": "heart_condition", "chronic": True, "lasting": True}),
    ("CONDITION", ("~asthma", "asthmatic"), {"kind": "asthma", "chronic": True}),
    ("CONDITION", ("~osteoporosis", "osteopenia", "low bone density"), {"kind": "osteoporosis", "chronic": True}),
    ("CONDITION", ("~arthritis", "osteoarthritis", "rheumatoid", "arthritic"), {"kind": "arthritis", "chronic": True}),
    ("CONDITION", ("long covid", "post covid|viral", "after covid", "chronic fatigue syndrome?", "cfs", "me cfs"),
     {"kind": "post_viral_fatigue", "chronic": True, "lasting": True}),
    ("CONDITION", ("epilepsy|epileptic", "seizures", "cancer", "chemo|chemotherapy", "copd", "emphysema",
                   "multiple sclerosis", "ms", "parkinson|parkinsons", "parkinson 's", "stroke", "kidney disease",
                   "hernia", "fibromyalgia", "lupus", "crohn|crohns", "crohn 's", "dizzy|dizziness", "faint|fainting",
                   "vertigo", "anemia|anaemia"), {"kind": "other", "chronic": True, "lasting": True}),
]

CLINICIAN = ("doctor|doc|dr|gp|physician|physio|physiotherapist|pt|therapist|surgeon|cardiologist|ortho|"
             "orthopedist|chiro|chiropractor|midwife|ob|obgyn|specialist|nurse|consultant")
CLEARANCE: list[Entry] = [
    ("CLEARED", ("cleared", "fully cleared", "all clear", "good to go", "signed off", "green light",
                 f"{CLINICIAN} wants me", f"{CLINICIAN} says|said it 's|is fine|ok|okay|safe",
                 f"{CLINICIAN} says|said|thinks i 'm|am fine|ok|okay|good|safe",
                 f"{CLINICIAN} says|said|thinks i can", f"{CLINICIAN} okayed|approved|allowed|ok'd",
                 f"{CLINICIAN} is|'s fine|ok|okay|happy with", f"{CLINICIAN} gave me the ok|okay|go ahead",
                 "okayed|approved by", "got the ok|okay|go ahead"), {}),
]

# Named, but nothing we can plan around: told back as unplaced ("a weird thing with my spleen").
UNPLACED: list[Entry] = [
    ("UNPLACED", ("spleen", "liver", "gallbladder", "pancreas", "thyroid", "lung|lungs", "kidney|kidneys", "eye|eyes",
                  "ear|ears", "jaw", "tmj", "rib|ribs", "tailbone", "coccyx", "pelvis", "pelvic floor", "sternum",
                  "collarbone", "bladder", "bowel", "gut", "skin", "migraine|migraines",
                  "cholesterol", "sleep apnea|apnoea", "thing with my"),
     {"why": "a part of the body or a health matter we have no rules for"}),
    ("UNPLACED_GEAR", ("chair", "yoga mat", "mat", "sandbag", "trx", "suspension trainer", "rings", "jump rope",
                       "weight vest", "foam roller", "step", "stairs", "ab wheel"),
     {"why": "equipment we don't plan with"}),
]
