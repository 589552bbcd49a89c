-- Issue 24: what the service understood about the person, stored with the job.
-- `profile`: the request's profile merged with what its words say (app/coaching/profile.py);
-- `unplaced`: the parts of goal_raw that named something that could not be placed. Both are
-- written once, at the job's first attempt, and announced as an `understood` event before the plan.
ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS profile jsonb;
ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS unplaced jsonb;

ALTER TABLE program_generation_events DROP CONSTRAINT IF EXISTS program_generation_events_type_check;
ALTER TABLE program_generation_events ADD CONSTRAINT program_generation_events_type_check
    CHECK (type IN ('status', 'progress', 'understood', 'plan', 'block', 'completed', 'failed', 'cancelled'));
