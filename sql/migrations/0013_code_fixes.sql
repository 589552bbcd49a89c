-- What code fixed in a model's program before judging it (app/coaching/repairs.py): a list of
-- {rule, where, change}, written by the attempt that completes the job. Counted in /metrics as
-- nowva_code_fixes_total{rule} (see nowva_job_metric_facts).
ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS code_fixes jsonb;

-- The metric facts gain the code fixes by rule (the rest as in 0003_operations.sql).
CREATE OR REPLACE FUNCTION nowva_job_metric_facts(p_ids uuid[], p_duration_le float8[], p_wait_le float8[])
RETURNS TABLE (metric text, labels jsonb, value double precision)
LANGUAGE sql STABLE AS $$
    WITH j AS (
        SELECT status, error_message, usage, code_fixes,
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
    UNION ALL
    SELECT 'code_fixes', jsonb_build_object('rule', f ->> 'rule'), count(*)::float8
      FROM j, jsonb_array_elements(CASE jsonb_typeof(j.code_fixes) WHEN 'array' THEN j.code_fixes
                                                                  ELSE '[]'::jsonb END) f
     GROUP BY 2
$$;
