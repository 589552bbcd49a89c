-- Operations (issue 8): what operator retries, retention and cluster-wide metrics need,
-- and the psql views refined. Forward-only: later changes go in later files.

-- Operator retries (`nowva jobs retry`) put a finished job back in the queue on the
-- same row, so its events continue the same seq sequence.
--   retries      how many times an operator re-queued the job
--   requeued_at  when it was last re-queued: queue wait is measured from here, not created_at
--   attempt_base the attempt number when it was last re-queued. Attempts stay monotonic
--                (they fence every worker write, so a number is never reused); a retried
--                job's own budget is attempt - attempt_base.
ALTER TABLE program_generation_jobs
    ADD COLUMN IF NOT EXISTS retries integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS requeued_at timestamptz,
    ADD COLUMN IF NOT EXISTS attempt_base integer NOT NULL DEFAULT 0;

-- Retention deletes finished jobs by completion time.
CREATE INDEX IF NOT EXISTS program_generation_jobs_finished ON program_generation_jobs (completed_at)
    WHERE status IN ('completed', 'failed', 'cancelled');

-- The worker's numbers (durations, tokens, errors) are computed from job rows at scrape
-- time, so every API process reports the whole cluster. Rows leave the table (retention,
-- operator retries); their contribution moves here first, so counters never go down.
CREATE TABLE IF NOT EXISTS job_metrics_retired (
    metric text NOT NULL,
    labels jsonb NOT NULL DEFAULT '{}',
    value  double precision NOT NULL,
    PRIMARY KEY (metric, labels)
);

-- What kind of failure an error_message describes. The messages are written for users,
-- so this reads patterns; extend it in a later migration when engines add new messages.
CREATE OR REPLACE FUNCTION nowva_error_kind(message text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN message IS NULL THEN NULL
        WHEN message ~* 'timed out|timeout|deadline' THEN 'timeout'
        WHEN message ~* 'after [0-9]+ attempts|crashed|stalled|unfinished' THEN 'worker_lost'
        WHEN message ~* 'quota|billing' THEN 'quota'
        WHEN message ~* 'rate.?limit|too many requests|\m429\M' THEN 'rate_limited'
        WHEN message ~* 'refus' THEN 'refusal'
        WHEN message ~* 'truncat|incomplete|cut off' THEN 'truncated'
        WHEN message ~* 'invalid|validat|schema|json|repair' THEN 'invalid_output'
        WHEN message ~* 'api key|unauthori[sz]ed|authenticat|permission|\m40[13]\M' THEN 'auth'
        WHEN message ~* 'connect|network|unavailable|overloaded|server error|\m5[0-9][0-9]\M' THEN 'upstream'
        ELSE 'other'
    END
$$;

-- A token count from a usage object: Chat Completions names (prompt/completion) or the
-- Responses API's (input/output); anything that is not a number counts as absent.
CREATE OR REPLACE FUNCTION nowva_usage_tokens(usage jsonb, name text, alt text) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN jsonb_typeof(usage -> name) = 'number' THEN (usage ->> name)::double precision
        WHEN jsonb_typeof(usage -> alt) = 'number' THEN (usage ->> alt)::double precision
    END
$$;

-- The metric facts of some jobs (p_ids NULL: every job), as (metric, labels, value) rows:
-- finished jobs by status, histogram buckets (not cumulative: labels.le is the bucket's
-- upper bound) with sums, tokens by kind, failures by error kind. STABLE: in a statement
-- that also deletes or resets those rows, it reads them as they were before.
CREATE OR REPLACE FUNCTION nowva_job_metric_facts(p_ids uuid[], p_duration_le float8[], p_wait_le float8[])
RETURNS TABLE (metric text, labels jsonb, value double precision)
LANGUAGE sql STABLE AS $$
    WITH j AS (
        SELECT status, error_message, usage,
               extract(epoch FROM completed_at - started_at)::float8 AS duration,
               extract(epoch FROM started_at - coalesce(requeued_at, created_at))::float8 AS wait
          FROM program_generation_jobs
         WHERE p_ids IS NULL OR id = ANY (p_ids)
    ), done AS (
        SELECT duration FROM j WHERE status = 'completed' AND duration IS NOT NULL
    ), waited AS (
        SELECT wait FROM j WHERE wait IS NOT NULL
    ), tokens AS (
        SELECT t.kind, t.n
          FROM j,
               LATERAL (SELECT nowva_usage_tokens(j.usage, 'prompt_tokens', 'input_tokens') AS p,
                               nowva_usage_tokens(j.usage, 'completion_tokens', 'output_tokens') AS c,
                               nowva_usage_tokens(j.usage, 'total_tokens', 'total_tokens') AS tot) u,
               LATERAL (VALUES ('prompt', u.p), ('completion', u.c), ('total', coalesce(u.tot, u.p + u.c))) t(kind, n)
         WHERE j.usage IS NOT NULL AND t.n IS NOT NULL
    )
    SELECT 'finished', jsonb_build_object('status', status), count(*)::float8
      FROM j WHERE status IN ('completed', 'failed', 'cancelled') GROUP BY status
    UNION ALL
    SELECT 'duration_bucket',
           jsonb_build_object('le', coalesce(p_duration_le[width_bucket(duration, p_duration_le) + 1]::text, '+Inf')),
           count(*)::float8
      FROM done GROUP BY 2
    UNION ALL
    SELECT 'duration_sum', '{}'::jsonb, sum(duration) FROM done HAVING count(*) > 0
    UNION ALL
    SELECT 'wait_bucket',
           jsonb_build_object('le', coalesce(p_wait_le[width_bucket(wait, p_wait_le) + 1]::text, '+Inf')),
           count(*)::float8
      FROM waited GROUP BY 2
    UNION ALL
    SELECT 'wait_sum', '{}'::jsonb, sum(wait) FROM waited HAVING count(*) > 0
    UNION ALL
    SELECT 'llm_tokens', jsonb_build_object('kind', kind), sum(n) FROM tokens GROUP BY kind
    UNION ALL
    SELECT 'llm_errors', jsonb_build_object('kind', nowva_error_kind(error_message)), count(*)::float8
      FROM j WHERE status = 'failed' GROUP BY 2
$$;

-- The views, refined: new columns go at the end (CREATE OR REPLACE VIEW cannot reorder).

CREATE OR REPLACE VIEW queue_overview AS
SELECT j.status,
       count(*)                                            AS jobs,
       count(*) FILTER (WHERE j.created_at > now() - interval '1 hour') AS last_hour,
       min(j.created_at)                                   AS oldest_created_at,
       date_trunc('second', now() - min(j.created_at))     AS oldest_age,
       date_trunc('second', avg(coalesce(j.completed_at, now()) - j.created_at)) AS avg_age,
       (array_agg(j.id ORDER BY j.created_at))[1]          AS oldest_job_id
  FROM program_generation_jobs j
 GROUP BY j.status
 ORDER BY array_position(ARRAY['pending', 'in_progress', 'completed', 'failed', 'cancelled'], j.status);

CREATE OR REPLACE VIEW active_generations AS
SELECT j.id                                              AS job_id,
       j.user_id,
       j.status,
       j.progress,
       j.stage,
       j.attempt,
       date_trunc('second', now() - j.created_at)        AS age,
       date_trunc('second', now() - j.started_at)        AS running_for,
       pj.worker_id,
       date_trunc('second', now() - w.last_heartbeat)    AS heartbeat_age,
       pj.status                                         AS queue_status,
       j.retries,
       j.engine
  FROM program_generation_jobs j
  LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
  LEFT JOIN procrastinate_workers w ON w.id = pj.worker_id
 WHERE j.status IN ('pending', 'in_progress')
 ORDER BY j.created_at;

CREATE OR REPLACE VIEW recent_failures AS
SELECT j.id                 AS job_id,
       j.user_id,
       j.completed_at       AS failed_at,
       j.attempt            AS attempts,
       j.stage,
       j.engine,
       j.error_message,
       pj.status            AS queue_status,
       nowva_error_kind(j.error_message) AS error_kind,
       j.retries,
       j.model
  FROM program_generation_jobs j
  LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
 WHERE j.status = 'failed'
 ORDER BY j.completed_at DESC NULLS LAST
 LIMIT 50;
