-- Views for operators in psql: what they ask first (DESIGN §3). They read our tables
-- and Procrastinate's, which the migration runner applies before these files.

CREATE OR REPLACE VIEW queue_overview AS
SELECT j.status,
       count(*)                                            AS jobs,
       count(*) FILTER (WHERE j.created_at > now() - interval '1 hour') AS last_hour,
       min(j.created_at)                                   AS oldest_created_at,
       date_trunc('second', now() - min(j.created_at))     AS oldest_age,
       date_trunc('second', avg(coalesce(j.completed_at, now()) - j.created_at)) AS avg_age
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
       pj.status                                         AS queue_status
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
       pj.status            AS queue_status
  FROM program_generation_jobs j
  LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
 WHERE j.status = 'failed'
 ORDER BY j.completed_at DESC NULLS LAST
 LIMIT 50;
