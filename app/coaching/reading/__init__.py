"""Reading the person's words into a Profile (issue 24): spaCy's tokenizer, medspaCy's target rules
and ConText, and the vocabulary tables beside this file. See app/coaching/reading/reader.py."""
