-- Generation in steps (issue 15, DESIGN §5b): the plan and each finished block of a job are
-- stored as they finish, fenced by the attempt that wrote them, so a retried attempt reuses
-- them and generates only what is missing. The plan and each block are also events.
--
-- One row per step: kind 'plan' (idx 0) or 'block' (idx = the block's index in the plan).
--   status        'done' once content holds the step's checked output. 'running' is for a
--                 call still in flight whose answer can be re-attached to (issue 16: a
--                 background response's id and the last sequence number consumed).
--   attempt       the attempt that wrote the row last.
--   usage         what the calls behind this step spent (the job's usage counts every call).
CREATE TABLE IF NOT EXISTS program_generation_steps (
    job_id        uuid NOT NULL REFERENCES program_generation_jobs (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('plan', 'block')),
    idx           integer NOT NULL DEFAULT 0 CHECK (idx >= 0),
    status        text NOT NULL DEFAULT 'done' CHECK (status IN ('running', 'done')),
    attempt       integer NOT NULL,
    content       jsonb,
    usage         jsonb,
    response_id   text,
    last_sequence integer,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, kind, idx)
);

-- The new event types: `plan` once the plan exists, `block` as each block lands.
ALTER TABLE program_generation_events DROP CONSTRAINT IF EXISTS program_generation_events_type_check;
ALTER TABLE program_generation_events ADD CONSTRAINT program_generation_events_type_check
    CHECK (type IN ('status', 'progress', 'plan', 'block', 'completed', 'failed', 'cancelled'));

-- Sum two usage objects key by key (numbers only): a job's usage grows with every call of
-- every attempt, and nothing that was paid for is overwritten by a later attempt.
CREATE OR REPLACE FUNCTION nowva_usage_add(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN b IS NULL OR jsonb_typeof(b) <> 'object' THEN a
        WHEN a IS NULL OR jsonb_typeof(a) <> 'object' THEN b
        ELSE (SELECT coalesce(jsonb_object_agg(k, CASE
                  WHEN jsonb_typeof(a -> k) = 'number' AND jsonb_typeof(b -> k) = 'number'
                      THEN to_jsonb((a ->> k)::numeric + (b ->> k)::numeric)
                  ELSE coalesce(b -> k, a -> k) END), '{}'::jsonb)
                FROM (SELECT jsonb_object_keys(a) AS k UNION SELECT jsonb_object_keys(b)) keys)
    END
$$;
