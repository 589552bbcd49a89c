-- Nobody is left without a program (issue 23; jobs/fallback.py): when the model fails for good,
-- the job completes with the built-in writer's program and records why. Its engine column (0001)
-- then says "builtin", and its model column keeps the model that failed.
--
--   fallback_reason   NULL when the program is the configured engine's own; otherwise one of a
--                     small fixed vocabulary, the label of nowva_fallbacks_total{reason}
ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS fallback_reason text;
ALTER TABLE program_generation_jobs DROP CONSTRAINT IF EXISTS program_generation_jobs_fallback_reason_check;
ALTER TABLE program_generation_jobs ADD CONSTRAINT program_generation_jobs_fallback_reason_check
    CHECK (fallback_reason IN ('api_error', 'quota', 'refusal', 'invalid_answer', 'deadline'));
