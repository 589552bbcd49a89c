-- A job stopped by its cost ceiling (NOWVA_JOB_MAX_COST_USD, issue 28) ends as any model failure
-- does: the built-in writer's program, with the reason `cost_ceiling` (jobs/fallback.py).
ALTER TABLE program_generation_jobs DROP CONSTRAINT IF EXISTS program_generation_jobs_fallback_reason_check;
ALTER TABLE program_generation_jobs ADD CONSTRAINT program_generation_jobs_fallback_reason_check
    CHECK (fallback_reason IN ('api_error', 'quota', 'refusal', 'invalid_answer', 'deadline', 'cost_ceiling'));
