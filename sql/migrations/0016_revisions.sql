-- Issue 26: a program changed by voice is a new program that records its parent; the old one is
-- never changed. A revision is a job like a generation (same table, same events, same limits):
-- `revision` says which program it revises, with the person's words, the partial profile and the
-- first week that may change (NULL: a generation).
ALTER TABLE programs ADD COLUMN IF NOT EXISTS parent_id uuid REFERENCES programs (id) ON DELETE SET NULL;
ALTER TABLE programs ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
-- The first version's id, shared by every version: GET /api/programs/{id}/versions reads one index
-- range instead of walking parent links (which a deleted middle version would break).
ALTER TABLE programs ADD COLUMN IF NOT EXISTS lineage_id uuid;
UPDATE programs SET lineage_id = id WHERE lineage_id IS NULL;
ALTER TABLE programs ALTER COLUMN lineage_id SET NOT NULL;
CREATE INDEX IF NOT EXISTS programs_lineage ON programs (lineage_id, version DESC, created_at DESC);
-- What the program was written for (the request with the understood profile in it): a revision
-- starts from it. NULL for programs stored before this migration: a revision then reads its job's.
ALTER TABLE programs ADD COLUMN IF NOT EXISTS request jsonb;
-- What a revision changed (app/coaching/revision.py): the sentence and the data; NULL for a first version.
ALTER TABLE programs ADD COLUMN IF NOT EXISTS changes jsonb;

ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS revision jsonb;

-- A revision's durable step: the revised program and what changed, written once and fenced by the
-- attempt (announced as the `revision` event); a retried attempt completes the job from it.
ALTER TABLE program_generation_steps DROP CONSTRAINT IF EXISTS program_generation_steps_kind_check;
ALTER TABLE program_generation_steps ADD CONSTRAINT program_generation_steps_kind_check
    CHECK (kind IN ('plan', 'block', 'revision'));

ALTER TABLE program_generation_events DROP CONSTRAINT IF EXISTS program_generation_events_type_check;
ALTER TABLE program_generation_events ADD CONSTRAINT program_generation_events_type_check
    CHECK (type IN ('status', 'progress', 'understood', 'plan', 'block', 'revision', 'completed', 'failed',
                    'cancelled'));
