-- Named queries for operations: `nowva jobs`, retention and /metrics (app/admin_queries.py).
-- Same format and rules as queries.sql: a job state change is ONE statement that updates
-- the row, inserts the next event (seq = the row's new last_seq) and rings the doorbell.

-- admin_find_jobs_by_prefix --
-- Jobs whose id starts with what the operator typed (at most two: enough to tell ambiguity)
SELECT id FROM program_generation_jobs WHERE id::text LIKE $1 || '%' ORDER BY created_at DESC LIMIT 2;

-- admin_list_jobs --
-- Jobs, newest first, with the queue's view of them, filtered by status and user
SELECT j.id, j.user_id, j.status, j.progress, j.stage, j.attempt, j.retries, j.created_at, j.started_at,
       j.completed_at, j.error_message, nowva_error_kind(j.error_message) AS error_kind, j.engine,
       pj.worker_id, pj.status::text AS queue_status
  FROM program_generation_jobs j
  LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
 WHERE ($1::text IS NULL OR j.status = $1)
   AND ($2::uuid IS NULL OR j.user_id = $2)
 ORDER BY j.created_at DESC, j.id DESC
 LIMIT $3;

-- admin_get_job --
-- Everything about one job, with its queue row and its worker's heartbeat
SELECT j.id, j.user_id, j.request, j.status, j.progress, j.stage, j.attempt, j.attempt_base, j.retries,
       j.last_seq, j.created_at, j.started_at, j.completed_at, j.requeued_at, j.program_id, j.error_message,
       nowva_error_kind(j.error_message) AS error_kind, j.engine, j.model, j.fallback_reason, j.usage,
       j.api_key_prefix,
       j.idempotency_key, j.procrastinate_job_id, pj.status::text AS queue_status,
       pj.attempts AS queue_attempts, pj.worker_id,
       extract(epoch FROM now() - w.last_heartbeat)::float8 AS heartbeat_age_s
  FROM program_generation_jobs j
  LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
  LEFT JOIN procrastinate_workers w ON w.id = pj.worker_id
 WHERE j.id = $1;

-- admin_retry_job --
-- Put a failed or cancelled job (with no program) back in the queue as a new attempt with a
-- fresh Procrastinate job: reset the row, keep attempt (it fences old workers) and start a
-- new budget from it (attempt_base), continue the event seq. Its metric facts move to
-- job_metrics_retired first, so counters keep what the earlier run did. A stale todo
-- queue row of the old run is cancelled so only the new one runs.
WITH job AS (
    SELECT id, status, error_message, attempt, procrastinate_job_id
      FROM program_generation_jobs j
     WHERE id = $1 AND status IN ('failed', 'cancelled')
       AND NOT EXISTS (SELECT 1 FROM programs p WHERE p.job_id = j.id)
       FOR UPDATE
), rolled AS (
    INSERT INTO job_metrics_retired (metric, labels, value)
    SELECT f.metric, f.labels, f.value
      FROM nowva_job_metric_facts(ARRAY(SELECT id FROM job), $2, $3) f
    ON CONFLICT (metric, labels) DO UPDATE SET value = job_metrics_retired.value + EXCLUDED.value
), old_queue AS (
    SELECT procrastinate_cancel_job_v1(procrastinate_job_id, false, false) AS id
      FROM job WHERE procrastinate_job_id IS NOT NULL
), queued AS (
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(
        SELECT ROW('generation', 'generate_program', 0, NULL, NULL,
                   jsonb_build_object('job_id', job.id), NULL)::procrastinate_job_to_defer_v1
          FROM job
    ))) AS procrastinate_job_id
), updated AS (
    UPDATE program_generation_jobs j
       SET status = 'pending', progress = 0, stage = 'queued', error_message = NULL,
           started_at = NULL, completed_at = NULL, program_id = NULL,
           engine = NULL, model = NULL, usage = NULL,
           retries = j.retries + 1, requeued_at = now(), attempt_base = j.attempt,
           procrastinate_job_id = queued.procrastinate_job_id, last_seq = j.last_seq + 1
      FROM job, queued
     WHERE j.id = job.id
    RETURNING j.id, j.last_seq, j.retries, j.procrastinate_job_id
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT u.id, u.last_seq, 'status',
           jsonb_build_object('status', 'pending', 'retry', u.retries,
                              'previous_status', job.status, 'previous_error', job.error_message)
      FROM updated u JOIN job ON job.id = u.id
)
SELECT u.id, u.last_seq, u.retries, u.procrastinate_job_id,
       pg_notify('nowva_events', u.id::text || ':' || u.last_seq) IS NULL AS notified,
       (SELECT count(*) FROM old_queue) AS old_queue_rows
  FROM updated u;

-- admin_prune_jobs --
-- Retention, one batch: finished jobs completed before the cutoff, with their events (ON
-- DELETE CASCADE) and their Procrastinate rows. Programs stay (programs.job_id is SET
-- NULL). Their metric facts move to job_metrics_retired first, so counters never go down.
-- Pending and running jobs are never touched, whatever their age.
WITH doomed AS (
    SELECT id, procrastinate_job_id FROM program_generation_jobs
     WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < $1
     ORDER BY completed_at
     LIMIT $2
       FOR UPDATE SKIP LOCKED
), rolled AS (
    INSERT INTO job_metrics_retired (metric, labels, value)
    SELECT f.metric, f.labels, f.value
      FROM nowva_job_metric_facts(ARRAY(SELECT id FROM doomed), $3, $4) f
    ON CONFLICT (metric, labels) DO UPDATE SET value = job_metrics_retired.value + EXCLUDED.value
), events AS (
    SELECT count(*) AS n FROM program_generation_events e WHERE e.job_id IN (SELECT id FROM doomed)
), gone AS (
    DELETE FROM program_generation_jobs j USING doomed d WHERE j.id = d.id
    RETURNING j.id, j.procrastinate_job_id
), queue AS (
    DELETE FROM procrastinate_jobs pj USING gone
     WHERE pj.id = gone.procrastinate_job_id AND pj.status NOT IN ('todo', 'doing')
    RETURNING pj.id
)
SELECT (SELECT count(*) FROM gone)::int AS jobs,
       (SELECT n FROM events)::int AS events,
       (SELECT count(*) FROM queue)::int AS queue_jobs;

-- admin_prune_queue --
-- Retention, one batch: Procrastinate rows no job of ours points at (earlier runs of retried
-- jobs, the maintenance tasks' own rows) that ended and saw no event since their cutoff.
-- The maintenance queue has its own, shorter cutoff ($2): its sweeper runs every few seconds.
WITH doomed AS (
    SELECT pj.id FROM procrastinate_jobs pj
     WHERE pj.status IN ('succeeded', 'failed', 'cancelled', 'aborted')
       AND NOT EXISTS (
           SELECT 1 FROM procrastinate_events e
            WHERE e.job_id = pj.id
              AND e.at >= CASE WHEN pj.queue_name = $3::text THEN $2::timestamptz ELSE $1::timestamptz END)
       AND NOT EXISTS (SELECT 1 FROM program_generation_jobs j WHERE j.procrastinate_job_id = pj.id)
     LIMIT $4
       FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM procrastinate_jobs pj USING doomed WHERE pj.id = doomed.id RETURNING pj.id
)
SELECT count(*)::int AS queue_jobs FROM gone;

-- metrics_job_facts --
-- The cluster's job metrics: facts of the rows in the table plus what retired rows left
SELECT metric, labels, sum(value)::float8 AS value
  FROM (SELECT f.metric, f.labels, f.value FROM nowva_job_metric_facts(NULL, $1, $2) f
        UNION ALL
        SELECT r.metric, r.labels, r.value FROM job_metrics_retired r) facts
 GROUP BY metric, labels;

-- metrics_queue_depth --
-- Procrastinate's queue rows waiting or running, by queue
SELECT queue_name,
       count(*) FILTER (WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now()))::int AS ready,
       count(*) FILTER (WHERE status = 'todo' AND scheduled_at > now())::int AS scheduled,
       count(*) FILTER (WHERE status = 'doing')::int AS doing
  FROM procrastinate_jobs
 WHERE status IN ('todo', 'doing')
 GROUP BY queue_name;

-- metrics_queue_state --
-- How long the oldest pending job has waited, and how many workers have a fresh heartbeat
SELECT coalesce((SELECT extract(epoch FROM now() - min(coalesce(requeued_at, created_at)))
                   FROM program_generation_jobs WHERE status = 'pending'), 0)::float8 AS oldest_pending_s,
       (SELECT count(*) FROM procrastinate_workers
         WHERE last_heartbeat > now() - make_interval(secs => $1))::int AS workers;
