"""Vocabulary of training: equipment, sports and seasons, events, time, age, what to stress or skip.

Same notation as app/coaching/reading/body.py. Numbers are matched as tokens ("#", "#+") and
read by app/coaching/reading/numbers.py; the metadata says what the matched number counts.
"""

from __future__ import annotations

from app.coaching.reading.body import Entry

EQUIPMENT: list[Entry] = [
    ("EQUIPMENT", ("barbell|barbells", "bar bell", "olympic bar"), {"name": "barbell"}),
    ("EQUIPMENT", ("squat|power rack", "rack", "squat stand|stands", "half rack"), {"name": "squat_rack"}),
    ("EQUIPMENT", ("bench", "flat|adjustable|weight|incline bench", "weight bench"), {"name": "bench"}),
    ("EQUIPMENT", ("~dumbbell", "~dumbbells", "dumbels|dumbells|dumbbels", "dbs", "adjustable dumbbells"),
     {"name": "dumbbells"}),
    ("EQUIPMENT", ("~kettlebell", "~kettlebells", "kettlebel|kettlebels", "kb|kbs"), {"name": "kettlebell"}),
    ("EQUIPMENT", ("bands", "resistance band|bands", "band", "mini bands", "tubing"), {"name": "resistance_bands"}),
    ("EQUIPMENT", ("pull|chin up bar", "pullup|chinup bar", "doorway pull|chin? up? bar", "pull up|chin up rig"),
     {"name": "pull_up_bar"}),
    ("EQUIPMENT", ("cable|cables", "cable machine|station|stack|column", "pulley|pulleys", "functional trainer"),
     {"name": "cable"}),
    ("EQUIPMENT", ("machine|machines", "smith machine", "leg press", "weight machines", "selectorized machines"),
     {"name": "machines"}),
    ("EQUIPMENT", ("trap|hex bar",), {"name": "trap_bar"}),
    ("EQUIPMENT", ("plyo|plyometric box", "box", "jump box"), {"name": "plyo_box"}),
    ("EQUIPMENT", ("medicine|med|slam ball|balls", "medball|medballs"), {"name": "medicine_ball"}),
    ("EQUIPMENT", ("sled|sleds", "prowler"), {"name": "sled"}),
    ("EQUIPMENT", ("treadmill", "rower", "rowing machine", "erg", "exercise|stationary|spin|assault|air bike",
                   "elliptical", "cross trainer", "stair climber|master", "peloton"), {"name": "cardio_machine"}),
    ("EQUIPMENT", ("bodyweight|bw", "body weight", "calisthenics", "my own body weight?"), {"name": "bodyweight"}),
    ("FULL_GYM", ("commercial|full|big|regular|proper|public gym", "gym membership", "full access", "globo gym",
                  "well equipped gym", "everything", "24 hour fitness", "gold 's gym"), {}),
    ("NO_EQUIPMENT", ("no equipment", "without equipment", "no weights", "nothing at home"), {}),
]

SPORTS: list[Entry] = [
    ("SPORT", ("rugby",), {"name": "rugby"}),
    ("SPORT", ("soccer", "soccer player"), {"name": "soccer"}),
    ("SPORT", ("basketball", "hoops"), {"name": "basketball"}),
    ("SPORT", ("swimmer", "swimming", "swim team"), {"name": "swimming"}),
    ("SPORT", ("hockey", "ice hockey"), {"name": "hockey"}),
    ("SPORT", ("jiu jitsu|jitsu", "jiujitsu", "bjj", "brazilian jiu jitsu"), {"name": "jiu jitsu"}),
    ("SPORT", ("tennis", "tennis player"), {"name": "tennis"}),
    ("SPORT", ("volleyball",), {"name": "volleyball"}),
    ("SPORT", ("sprinter", "track", "track and field", "sprinting"), {"name": "track"}),
    ("SPORT", ("climb", "climbing", "climber", "bouldering"), {"name": "climbing"}),
    ("SPORT", ("golf", "golfer"), {"name": "golf"}),
    ("SPORT", ("american football",), {"name": "american football"}),
    ("SPORT", ("football",), {"name": "football"}),
    ("SPORT", ("boxer", "boxing"), {"name": "boxing"}),
    ("SPORT", ("mma", "mixed martial arts", "kickboxing", "muay thai", "wrestling", "wrestler", "judo", "karate",
               "martial arts", "taekwondo"),
     {"name": "combat sport"}),
    ("SPORT", ("baseball", "softball"), {"name": "baseball"}),
    ("SPORT", ("cyclist", "cycling", "bike racing"), {"name": "cycling"}),
    ("SPORT", ("i run", "runner", "running", "marathons", "half marathons", "trail running"), {"name": "running"}),
    ("SPORT", ("powerlifting", "powerlifter"), {"name": "powerlifting"}),
    # Not "weightlifting" alone: people say it of lifting weights; the competed sport has its own words.
    ("SPORT", ("weightlifter", "olympic weightlifting", "olympic lifting", "oly lifting", "weightlifting meet",
               "weightlifting competition", "snatch and clean and jerk"), {"name": "weightlifting"}),
    ("SPORT", ("bodybuilding", "bodybuilder"), {"name": "bodybuilding"}),
    ("SPORT", ("triathlete", "triathlons"), {"name": "triathlon"}),
    ("SPORT", ("crossfit",), {"name": "crossfit"}),
    ("SPORT", ("rowing crew?", "crew", "i|we row"), {"name": "rowing"}),
    ("SPORT", ("ski|skiing", "snowboarding", "skier|snowboarder", "i|we snowboard"), {"name": "skiing"}),
    # a sport said as a verb of oneself ("I swim competitively", "I box")
    ("SPORT", ("i|we swim",), {"name": "swimming"}),
    ("SPORT", ("i|we box",), {"name": "boxing"}),
    ("SPORT", ("i|we cycle|ride|race bikes?",), {"name": "cycling"}),
    ("SPORT", ("i|we wrestle|spar|fight",), {"name": "combat sport"}),
    ("SPORT", ("lacrosse", "netball", "handball", "cricket", "badminton", "squash"), {"name": "_as_said"}),
]

SEASONS: list[Entry] = [
    ("SEASON", ("off season", "offseason", "season is|'s over", "season just? ended|finished|over",
                "between seasons"),
     {"season": "off"}),
    ("SEASON", ("pre season", "preseason"), {"season": "pre"}),
    ("SEASON", ("in season", "in-season", "during the season", "season right now", "on weekends|saturdays|sundays",
                "in a league", "every weekend", "weekly games|matches", "in full swing",
                "mid season", "midseason",
                # playing regularly: a league, games every week
                "league|leagues", "twice|once a|per week", "#+ times a|per week", "every week"), {"season": "in"}),
]

EVENTS: list[Entry] = [
    ("EVENT", ("competition", "tournament", "grading"), {"kind": "competition"}),
    ("EVENT", ("meet", "comp", "fight", "bout", "match"), {"kind": "competition", "weak": True}),
    ("EVENT", ("marathon", "half marathon", "5k|10k race"), {"kind": "race", "sport": "running"}),
    ("EVENT", ("triathlon", "ironman"), {"kind": "race", "sport": "triathlon"}),
    ("EVENT", ("race",), {"kind": "race", "weak": True}),
    ("EVENT", ("physique|bikini show|contest", "contest"), {"kind": "show"}),
    ("EVENT", ("show",), {"kind": "show", "weak": True}),
    ("EVENT", ("season starts|begins|opens", "preseason starts|begins"), {"kind": "season"}),
    # "for the ski season in December", not "the season is long"
    ("EVENT", ("season",), {"kind": "season", "weak": True, "timed": True}),
    ("EVENT", ("tryout|tryouts", "trials", "combine", "selection"), {"kind": "tryout"}),
    ("EVENT", ("fitness|physical|pt|entrance|army|police|fire test|exam|assessment", "pft", "beep test"),
     {"kind": "test"}),
    ("EVENT", ("wedding", "big day", "getting|get married", "marrying"), {"kind": "wedding"}),
    ("EVENT", ("holiday", "vacation", "beach trip"), {"kind": "holiday"}),
    ("EVENT", ("trip",), {"kind": "holiday", "weak": True}),
]

FILLER = "like|about|almost|nearly|um|uh|umm|uhh|,|just|only|actually|currently"
TIME: list[Entry] = [
    # weeks from now, for events
    ("WHEN", ("in #+ week|weeks|wks", "#+ weeks away|out"), {"unit": 1.0}),
    ("WHEN", ("in #+ month|months", "#+ months away|out"), {"unit": 4.345}),
    ("WHEN", ("in a week",), {"weeks": 1}),
    ("WHEN", ("in a month", "next month"), {"weeks": 4}),
    ("WHEN", ("in october|november|december|january|february|march|april|may|june|july|august|september",
              "this summer|spring|fall|winter|autumn"), {"weeks": None}),
    # minutes per session
    ("MINUTES", ("#+ minute|minutes|min|mins",), {"unit": 1.0}),
    ("MINUTES", ("#+ hour|hours|hr|hrs",), {"unit": 60.0}),
    ("MINUTES", ("an|one hour", "an|one hr"), {"minutes": 60}),
    ("MINUTES", ("half an hour", "half hour", "30 mins"), {"minutes": 30}),
    ("MINUTES", ("an|one hour and a half", "an hour and half", "hour and a half", "one and a half hours"),
     {"minutes": 90}),
    ("MINUTES", ("an|one hour and #+ minutes|mins",), {"minutes": 60, "plus": True}),
    ("MINUTES", ("quarter of an hour",), {"minutes": 15}),
    # age: a number said of oneself
    ("AGE", (f"i 'm|am|m {FILLER}? {FILLER}? {FILLER}? #+", "i 'm|am a #+", "age|aged #+", "turning #+",
             "turned #+", "be #+ this year", "gon na be #+", "going to be #+",
             # a coming birthday ("about to turn 40", "I'll be 65 in March"), an age said first ("at 73, I")
             "turn #+", "i 'll|will be #+", "at #+ i|,"), {}),
    ("AGE", ("#+ year|years|yr|yrs old", "#+ yo", "#+ y/o", "a #+ year old", "#+ year old"), {}),
]

WISHES: list[Entry] = [
    ("EMPH", ("bigger", "stronger", "more", "focus on", "focus", "build|building", "bring up", "work on", "gains",
              "weak", "lagging", "grow", "emphasis|emphasize|prioritize", "mainly", "mostly", "toned|tone",
              "want", "improve", "extra", "priority|priorities", "top priority"), {}),
    ("DEEMPH", ("do n't care about", "dont care about", "skip", "less", "not too much", "not interested in",
                "no need for", "do n't need", "do n't want big", "not building"), {}),
]

EXERCISES: list[Entry] = [
    # movements a person may rule out, in words; kept as they said them
    ("EXERCISE", ("squat|squats", "deep squats|squat", "lunge|lunges", "deadlift|deadlifts", "burpee|burpees",
                  "jumping|jumps", "box jumps", "sprints|sprinting", "overhead press|pressing",
                  "overhead", "pull ups|up", "pullups", "push ups|up", "pushups", "crunches", "sit ups",
                  "bench press", "olympic lifts", "cleans", "snatches", "planks", "dips", "leg day"), {}),
]

DISLIKES: list[Entry] = [
    ("DISLIKE", ("please", "hate|hates", "not a fan of", "do n't like", "dislike", "rather not", "ca n't stand"), {}),
]

# Matched so that their words are taken by nothing else: "bench press" is no bench, "back squat"
# no back, "back in high school" no back either.
IGNORED: list[Entry] = [
    ("IGNORE", ("back squat|squats", "back day", "back yard|garden", "backyard", "back in", "weeks|days|months back",
                "come|get|got|go back", "back to", "bench max|pr|number", "bench 's",
                "build muscle", "muscle gain", "lose weight", "weigh #+", "#+ kg|kgs|lbs|pounds|kilos",
                "#+ days a|per week", "#+ years of", "for #+ years", "type #"), {}),
]
