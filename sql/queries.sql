-- Named queries, loaded once by app/queries.py. Format (as in Procrastinate):
--   -- name --
--   -- description
--   SQL with asyncpg $n parameters
--
-- Every job state change is ONE statement: update the job row, insert the next event
-- (seq = the row's new last_seq, serialised by the row lock, hence gap-free) and
-- pg_notify('nowva_events', '<job_id>:<seq>'). NOTIFY is delivered at commit, so a
-- listener that hears the doorbell always finds the row. The few writes a status shows that
-- are not state changes (usage, the plan's description) ring with the last seq and no new event.

-- check_connection --
-- Health check
SELECT 1;

-- get_secret --
-- Read a signing secret shared by all API processes
SELECT secret FROM service_secrets WHERE name = $1;

-- ensure_secret --
-- Create a signing secret on first start (every process races; the first one wins)
INSERT INTO service_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING;

-- create_user --
-- Create a user
INSERT INTO users (display_name, height_cm, weight_kg, fitness_level)
VALUES ($1, $2, $3, $4)
RETURNING id, display_name, height_cm, weight_kg, fitness_level, created_at;

-- get_user --
-- One user by id
SELECT id, display_name, height_cm, weight_kg, fitness_level, created_at FROM users WHERE id = $1;

-- claim_user_for_generation --
-- Lock the user's row for this generation request (serialising one user's requests, so the
-- limit and idempotency checks after it hold) and keep the latest body measurements and
-- level it carries; a rejected request rolls both back. No row: no such user.
UPDATE users SET height_cm = $2, weight_kg = $3, fitness_level = $4 WHERE id = $1 RETURNING id;

-- lock_user --
-- Lock the user's row for a revision request, as claim_user_for_generation does for a generation
-- (a revision carries no measurements to keep). No row: no such user.
SELECT id FROM users WHERE id = $1 FOR UPDATE;

-- create_api_key --
-- Store a new key: its public prefix and the hash of its secret, never the secret
INSERT INTO api_keys (prefix, secret_hash, name, user_id) VALUES ($1, $2, $3, $4)
RETURNING prefix, name, user_id, created_at;

-- get_api_key --
-- A key by its public prefix, for authentication
SELECT prefix, secret_hash, user_id, revoked_at FROM api_keys WHERE prefix = $1;

-- revoke_api_key --
-- Revoke a key; revoking twice keeps the first time
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1 RETURNING prefix;

-- find_job_by_idempotency_key --
-- The job an earlier request with the same Idempotency-Key created
SELECT id, request_hash FROM program_generation_jobs WHERE api_key_prefix = $1 AND idempotency_key = $2;

-- generation_limits --
-- What the limits of a new generation look at, in one round trip: how many jobs the user, and
-- the key, started within the rate window ($3 seconds) and when the oldest of them leaves it;
-- and the user's pending or running jobs, oldest first. The caller holds the user's row lock
-- (claim_user_for_generation), and this statement's snapshot is taken after it, so the user's
-- count includes every request that held the lock before: exact under any concurrency. The
-- key's count is exact for a user key (it acts for one user, so the same lock serialises it);
-- a service key's requests for different users run side by side, so its ceiling can be passed
-- by as many requests as are in flight at once.
SELECT per_user.count AS user_count, per_user.retry_after_s AS user_retry_after_s,
       per_key.count AS key_count, per_key.retry_after_s AS key_retry_after_s,
       active.ids AS active_job_ids
  FROM (SELECT count(*)::int AS count,
               coalesce(ceil(extract(epoch FROM min(created_at) + make_interval(secs => $3) - now()))::int, 0)
                   AS retry_after_s
          FROM program_generation_jobs
         WHERE user_id = $2 AND created_at > now() - make_interval(secs => $3)) AS per_user,
       (SELECT count(*)::int AS count,
               coalesce(ceil(extract(epoch FROM min(created_at) + make_interval(secs => $3) - now()))::int, 0)
                   AS retry_after_s
          FROM program_generation_jobs
         WHERE api_key_prefix = $1 AND created_at > now() - make_interval(secs => $3)) AS per_key,
       (SELECT coalesce(array_agg(id ORDER BY created_at), '{}') AS ids
          FROM program_generation_jobs
         WHERE user_id = $2 AND status IN ('pending', 'in_progress')) AS active;

-- create_job --
-- Store an accepted request, its first event and its Procrastinate job atomically, so a
-- crash at any instant neither loses the request nor leaves a job no worker will run.
-- procrastinate_defer_jobs_v1 is Procrastinate's own defer function (what App.defer uses).
-- $7: the request span's traceparent (NULL while tracing is off), continued by every attempt.
-- $8: what a revision changes (NULL: a generation; sql/migrations/0016_revisions.sql).
WITH queued AS (
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
        ROW('generation', 'generate_program', 0, NULL, NULL,
            jsonb_build_object('job_id', $1::uuid), NULL)::procrastinate_job_to_defer_v1
    ])) AS procrastinate_job_id
), job AS (
    INSERT INTO program_generation_jobs
           (id, user_id, request, api_key_prefix, idempotency_key, request_hash, procrastinate_job_id, last_seq,
            traceparent, revision)
    SELECT $1, $2, $3, $4, $5, $6, queued.procrastinate_job_id, 1, $7, $8 FROM queued
    RETURNING id, status, last_seq
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, 1, 'status', jsonb_build_object('status', 'pending') FROM job
)
SELECT id, status, last_seq, pg_notify('nowva_events', id::text || ':1') IS NULL AS notified FROM job;

-- get_job --
-- One job by id, with its plan and how many blocks are done once the OpenAI engine planned it
SELECT j.id, j.user_id, j.request, j.status, j.progress, j.stage, j.attempt, j.last_seq, j.created_at,
       j.started_at, j.completed_at, j.program_id, j.error_message, j.engine, j.model, j.usage,
       j.fallback_reason, j.procrastinate_job_id, j.profile, j.unplaced, plan.content AS plan, j.revision,
       (SELECT r.content -> 'changes' FROM program_generation_steps r
         WHERE r.job_id = j.id AND r.kind = 'revision' AND r.status = 'done') AS changes,
       (SELECT count(*)::int FROM program_generation_steps b
         WHERE b.job_id = j.id AND b.kind = 'block' AND b.status = 'done') AS blocks_done
  FROM program_generation_jobs j
  LEFT JOIN program_generation_steps plan
         ON plan.job_id = j.id AND plan.kind = 'plan' AND plan.idx = 0 AND plan.status = 'done'
 WHERE j.id = $1;

-- get_job_owner --
-- Who owns a job, and whether it exists
SELECT user_id FROM program_generation_jobs WHERE id = $1;

-- get_job_position --
-- Who owns a job, its status and its last seq: where a stream that opens now stands
SELECT user_id, status, last_seq FROM program_generation_jobs WHERE id = $1;

-- list_jobs --
-- Jobs, newest first, filtered by status and user, keyset-paginated on (created_at, id)
SELECT id, user_id, request, status, progress, stage, attempt, last_seq, created_at, started_at,
       completed_at, program_id, error_message, engine, model, usage, fallback_reason, procrastinate_job_id,
       revision
  FROM program_generation_jobs
 WHERE ($1::text IS NULL OR status = $1)
   AND ($2::uuid IS NULL OR user_id = $2)
   AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
 ORDER BY created_at DESC, id DESC
 LIMIT $5;

-- job_counts --
-- Jobs by status, for the debug page and metrics
SELECT status, count(*)::int AS jobs FROM program_generation_jobs GROUP BY status;

-- events_after --
-- A job's events after a seq, in order (replay and catch-up)
SELECT job_id, seq, id, type, data, created_at FROM program_generation_events
 WHERE job_id = $1 AND seq > $2 ORDER BY seq;

-- events_by_keys --
-- The events that notifications named, in one round trip for many doorbells
SELECT e.job_id, e.seq, e.id, e.type, e.data, e.created_at
  FROM unnest($1::uuid[], $2::int[]) AS k(job_id, seq)
  JOIN program_generation_events e ON e.job_id = k.job_id AND e.seq = k.seq
 ORDER BY e.job_id, e.seq;

-- events_after_many --
-- Catch-up for many jobs at once (after a reconnect, or the fallback poll)
SELECT e.job_id, e.seq, e.id, e.type, e.data, e.created_at
  FROM unnest($1::uuid[], $2::int[]) AS k(job_id, after_seq)
  JOIN program_generation_events e ON e.job_id = k.job_id AND e.seq > k.after_seq
 ORDER BY e.job_id, e.seq;

-- firehose_after --
-- Every job's events after a (txid, id) cursor, in commit-safe order: only events of
-- transactions older than every transaction still running, so none can later commit
-- behind the cursor (migration 0005)
SELECT job_id, seq, id, type, data, created_at, txid::text::bigint AS txid
  FROM program_generation_events
 WHERE (txid, id) > ($1::text::xid8, $2::bigint)
   AND txid < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY txid, id
 LIMIT $3;

-- firehose_now --
-- A firehose cursor for "from now on": the oldest transaction still running
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint;

-- start_attempt --
-- A worker takes the job: bump the attempt (the fence for all its later writes), take the
-- lease and record the engine it runs (active_generations shows it while the job runs).
-- Only a delivery of the job's current queue job may ($2), and only while no other
-- attempt holds a live lease, so a stale or duplicate delivery changes nothing. Past the
-- attempt cap the job fails instead, saying why the last attempt ended. Finished or cancelled
-- jobs are left alone. The trace the job belongs to, and why the last attempt ended, come
-- back for the attempt's span.
WITH job AS (
    UPDATE program_generation_jobs
       SET attempt = attempt + 1,
           status = CASE WHEN attempt + 1 - attempt_base > $3 THEN 'failed' ELSE 'in_progress' END,
           stage = CASE WHEN attempt + 1 - attempt_base > $3 THEN 'failed' ELSE 'starting' END,
           error_message = CASE WHEN attempt + 1 - attempt_base > $3
                                THEN format($4::text, attempt - attempt_base,
                                            coalesce(last_attempt_end, 'it did not finish')) END,
           completed_at = CASE WHEN attempt + 1 - attempt_base > $3 THEN now() END,
           lease_expires_at = CASE WHEN attempt + 1 - attempt_base > $3 THEN NULL
                                   ELSE now() + make_interval(secs => $5) END,
           engine = coalesce($6, engine),
           started_at = coalesce(started_at, now()),
           last_seq = last_seq + 1
     WHERE id = $1 AND procrastinate_job_id = $2
       AND (status = 'pending' OR (status = 'in_progress' AND lease_expires_at < now()))
    RETURNING id, user_id, request, status, attempt, last_seq, started_at, created_at, error_message,
              traceparent, last_attempt_end, usage, profile, unplaced, revision
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq,
           CASE status WHEN 'failed' THEN 'failed' ELSE 'status' END,
           CASE status WHEN 'failed' THEN jsonb_build_object('error_message', error_message)
                       ELSE jsonb_build_object('status', 'in_progress', 'attempt', attempt) END
      FROM job
)
SELECT id, user_id, request, status, attempt, last_seq, started_at, created_at, error_message,
       traceparent, last_attempt_end, usage, profile, unplaced, revision,
       pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified
  FROM job;

-- renew_lease --
-- The running attempt says it is alive. No row: it no longer owns the job (handed off after
-- its lease ran out, cancelled, or finished), so it must stop.
UPDATE program_generation_jobs SET lease_expires_at = now() + make_interval(secs => $3)
 WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
RETURNING lease_expires_at;

-- hand_off_jobs --
-- Give unfinished jobs whose attempt is gone to a fresh queue job, or fail them past the
-- attempt cap ($2), in one statement per sweep. A job's attempt is gone when
--   * it is running and its lease ran out (its process was killed, paused, or lost the
--     database for longer than the lease), or it hands itself back ($3, $5: the job and the
--     attempt, fenced; an attempt stopped by a shutdown past its grace releases it at once);
--   * its queue job ended without finishing it (an unexpected error), or no longer exists;
--   * it is waiting, but its queue job was taken by a worker whose heartbeat stopped ($1 s)
--     before the attempt could start.
-- The stale queue job is left as it is: its worker, if it ever wakes, finishes only that row,
-- and the attempt's own writes are fenced (status is no longer in_progress, then a newer
-- attempt). The handoff is a state change like any other: one event, one NOTIFY.
WITH gone AS (
    SELECT j.id, (j.attempt - j.attempt_base >= $2) AS give_up, j.attempt - j.attempt_base AS used,
           CASE
               WHEN j.id = $3
                   THEN format('attempt %s was stopped by a worker shutdown before it finished', j.attempt)
               WHEN pj.id IS NULL
                   THEN format('the queue job of attempt %s disappeared', j.attempt)
               WHEN pj.status <> ALL (ARRAY['todo', 'doing']::procrastinate_job_status[])
                   THEN format('attempt %s ended with an unexpected error (queue job %s)', j.attempt, pj.status)
               WHEN j.status = 'in_progress'
                   THEN format('the worker running attempt %s crashed or stalled (its lease ran out)', j.attempt)
               ELSE 'the worker that took it crashed or stalled before it started'
           END AS reason
      FROM program_generation_jobs j
      LEFT JOIN procrastinate_jobs pj ON pj.id = j.procrastinate_job_id
      LEFT JOIN procrastinate_workers w ON w.id = pj.worker_id
     WHERE j.status IN ('pending', 'in_progress')
       AND CASE WHEN $3::uuid IS NOT NULL
                THEN j.id = $3 AND j.attempt = $5 AND j.status = 'in_progress'
                ELSE (j.lease_expires_at IS NULL OR j.lease_expires_at < now())
                     AND (j.status = 'in_progress'
                          OR pj.id IS NULL
                          OR pj.status <> ALL (ARRAY['todo', 'doing']::procrastinate_job_status[])
                          OR (pj.status = 'doing'
                              AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => $1))))
           END
       FOR UPDATE OF j SKIP LOCKED
), queued AS (
    SELECT d.id,
           (procrastinate_defer_jobs_v1(ARRAY[
               ROW('generation', 'generate_program', 0, NULL, NULL,
                   jsonb_build_object('job_id', d.id), NULL)::procrastinate_job_to_defer_v1
           ]))[1] AS procrastinate_job_id
      FROM gone d WHERE NOT d.give_up
), job AS (
    UPDATE program_generation_jobs j
       SET status = CASE WHEN d.give_up THEN 'failed' ELSE 'pending' END,
           stage = CASE WHEN d.give_up THEN 'failed' ELSE 'retrying' END,
           error_message = CASE WHEN d.give_up THEN format($4::text, d.used, d.reason) END,
           completed_at = CASE WHEN d.give_up THEN now() END,
           procrastinate_job_id = coalesce(queued.procrastinate_job_id, j.procrastinate_job_id),
           lease_expires_at = NULL,
           last_attempt_end = d.reason,
           handoffs = j.handoffs + CASE WHEN d.give_up THEN 0 ELSE 1 END,
           last_seq = j.last_seq + 1
      FROM gone d LEFT JOIN queued ON queued.id = d.id
     WHERE j.id = d.id
    RETURNING j.id, j.status, j.last_seq, j.error_message, d.reason
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq,
           CASE status WHEN 'failed' THEN 'failed' ELSE 'status' END,
           CASE status WHEN 'failed' THEN jsonb_build_object('error_message', error_message)
                       ELSE jsonb_build_object('status', 'pending', 'retry_reason', reason) END
      FROM job
)
SELECT id, status, reason, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified
  FROM job;

-- abort_abandoned_queue_jobs --
-- Queue jobs left `doing` by attempts that were handed off, once their worker is gone from
-- Procrastinate's registry (killed and pruned): end them as aborted, so queue views and
-- Procrastinate's own stalled-job scans don't count them forever. A worker still registered
-- may yet wake up and finish its row itself, so its rows are left alone.
SELECT pj.id, procrastinate_finish_job_v1(pj.id, 'aborted', false) IS NULL AS finished
  FROM procrastinate_jobs pj
 WHERE pj.status = 'doing' AND pj.task_name = 'generate_program' AND pj.worker_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM program_generation_jobs j
                    WHERE j.procrastinate_job_id = pj.id AND j.status IN ('pending', 'in_progress'));

-- record_progress --
-- Progress of the current attempt; never goes backwards. No row: fenced out (job was
-- cancelled, finished, or taken over by a newer attempt).
WITH job AS (
    UPDATE program_generation_jobs
       SET progress = GREATEST(progress, $3), stage = $4, last_seq = last_seq + 1
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
    RETURNING id, last_seq, progress, stage
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'progress', jsonb_build_object('progress', progress, 'stage', stage, 'message', $5::text)
      FROM job
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified FROM job;

-- complete_job --
-- Store the program (unique per job) and complete the job, fenced by attempt. usage NULL:
-- keep what add_usage recorded call by call. $15: why the built-in writer's program was given
-- instead of the model's (NULL: the engine's own program); then $13 is the model that failed,
-- kept on the job, and the program has none. The event says which engine wrote the program, and
-- why when it fell back, and what the job cost (null: no priced call). $16: the request the program
-- was written for, kept for a later revision. A revision's program records its parent, the next
-- version and the first version's lineage, and what changed (its `revision` step).
WITH job AS (
    UPDATE program_generation_jobs
       SET status = 'completed', progress = 100, stage = 'completed', completed_at = now(),
           program_id = $3, engine = $12, model = $13,
           fallback_reason = $15, usage = coalesce($14, usage), last_seq = last_seq + 1
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
    RETURNING id, user_id, last_seq, usage, revision
), parent AS (
    SELECT p.id, p.version, p.lineage_id FROM programs p JOIN job ON p.id = (job.revision ->> 'program_id')::uuid
), program AS (
    INSERT INTO programs (id, user_id, job_id, name, description, goal_category, fitness_level,
                          duration_weeks, days_per_week, content, summary, engine, model, request,
                          parent_id, version, lineage_id, changes)
    SELECT $3, job.user_id, job.id, $4, $5, $6, $7, $8, $9, $10, $11, $12,
           CASE WHEN $15::text IS NULL THEN $13 END, $16,
           parent.id, coalesce(parent.version + 1, 1), coalesce(parent.lineage_id, $3),
           (SELECT r.content -> 'changes' FROM program_generation_steps r
             WHERE r.job_id = job.id AND r.kind = 'revision' AND r.status = 'done')
      FROM job LEFT JOIN parent ON true
    ON CONFLICT (job_id) DO NOTHING
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'completed',
           jsonb_build_object('progress', 100, 'program_id', $3::uuid, 'engine', $12::text,
                              'cost_usd', usage -> 'cost_usd')
           || CASE WHEN $15::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('fallback_reason', $15::text) END
      FROM job
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified FROM job;

-- fail_job --
-- Fail the job with a message for the user, fenced by attempt
WITH job AS (
    UPDATE program_generation_jobs
       SET status = 'failed', stage = 'failed', error_message = $3, completed_at = now(),
           engine = coalesce($4, engine), model = coalesce($5, model), usage = coalesce($6, usage),
           last_seq = last_seq + 1
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
    RETURNING id, last_seq, usage
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'failed', jsonb_build_object('error_message', $3::text, 'cost_usd', usage -> 'cost_usd')
      FROM job
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified FROM job;

-- cancel_job --
-- Cancel a pending or running job, and ask Procrastinate to drop it (todo) or abort it
-- (doing: the worker cancels the task, which closes any LLM stream).
WITH job AS (
    UPDATE program_generation_jobs
       SET status = 'cancelled', stage = 'cancelled', completed_at = now(), last_seq = last_seq + 1
     WHERE id = $1 AND status IN ('pending', 'in_progress')
    RETURNING id, last_seq, procrastinate_job_id
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'cancelled', '{}'::jsonb FROM job
), aborted AS (
    SELECT procrastinate_cancel_job_v1(procrastinate_job_id, true, false) AS id
      FROM job WHERE procrastinate_job_id IS NOT NULL
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified,
       (SELECT count(*) FROM aborted) AS aborted
  FROM job;

-- get_program --
-- One program by id
SELECT id, user_id, job_id, name, description, summary, goal_category, fitness_level, duration_weeks,
       days_per_week, engine, model, created_at, content, parent_id, version, changes
  FROM programs WHERE id = $1;

-- program_for_revision --
-- A program a revision starts from: its owner, weeks, and the request it was written for (stored
-- with it; for a program older than migration 0016, its job's request with the understood profile).
-- NULL request: neither is left (the job was pruned); the caller rebuilds it from the columns.
SELECT p.id, p.user_id, p.content, p.goal_category, p.fitness_level, p.duration_weeks, p.days_per_week,
       coalesce(p.request, j.request || CASE WHEN j.profile IS NULL THEN '{}'::jsonb
                                             ELSE jsonb_build_object('profile', j.profile) END) AS request,
       u.height_cm, u.weight_kg
  FROM programs p
  JOIN users u ON u.id = p.user_id
  LEFT JOIN program_generation_jobs j ON j.id = p.job_id
 WHERE p.id = $1;

-- list_program_versions --
-- Every version of the program's lineage (the first version and every revision made from any of
-- them), newest first. No rows: no such program.
SELECT v.id, v.parent_id, v.version, v.job_id, v.name, v.summary, v.duration_weeks, v.days_per_week,
       v.engine, v.created_at, v.changes, v.user_id
  FROM programs p JOIN programs v ON v.lineage_id = p.lineage_id
 WHERE p.id = $1
 ORDER BY v.version DESC, v.created_at DESC, v.id DESC;

-- list_programs --
-- A user's programs, newest first, keyset-paginated on (created_at, id)
SELECT id, name, goal_category, fitness_level, duration_weeks, days_per_week, summary, created_at
  FROM programs
 WHERE user_id = $1
   AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
 ORDER BY created_at DESC, id DESC
 LIMIT $4;

-- load_steps --
-- A job's durable steps (the plan, finished blocks), for a retried attempt to reuse
SELECT kind, idx, status, attempt, content, usage, response_id, last_sequence, partial_text, traceparent
  FROM program_generation_steps WHERE job_id = $1 ORDER BY kind DESC, idx;

-- save_step --
-- Store a finished step (the plan or a block) and announce it as an event ('plan' or
-- 'block', carrying the job's progress), fenced by attempt. A step saved again (a block
-- repaired after the whole program was checked) replaces the earlier content.
WITH job AS (
    UPDATE program_generation_jobs
       SET progress = GREATEST(progress, $8), last_seq = last_seq + 1
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
    RETURNING id, last_seq, progress
), step AS (
    INSERT INTO program_generation_steps (job_id, kind, idx, status, attempt, content, usage)
    SELECT id, $3, $4, 'done', $2, $5, $9 FROM job
    ON CONFLICT (job_id, kind, idx) DO UPDATE
       SET status = 'done', attempt = EXCLUDED.attempt, content = EXCLUDED.content, partial_text = NULL,
           usage = nowva_usage_add(program_generation_steps.usage, EXCLUDED.usage), updated_at = now()
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, $6, $7::jsonb || jsonb_build_object('progress', progress) FROM job
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified FROM job;

-- save_understood --
-- Store what was understood about the person (the merged profile and the unplaced words) and
-- announce it as an `understood` event, once per job: a retried attempt finds it stored and
-- writes nothing. Fenced by attempt.
WITH job AS (
    UPDATE program_generation_jobs
       SET profile = $3::jsonb, unplaced = $4::jsonb, last_seq = last_seq + 1
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress' AND profile IS NULL
    RETURNING id, last_seq
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'understood', jsonb_build_object('profile', $3::jsonb, 'unplaced', $4::jsonb) FROM job
)
SELECT last_seq, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified FROM job;

-- save_heard --
-- The profile revised by the model's own reading of the words (the plan call's `heard`, merged on
-- the cautious side) and the unplaced words it did not place ($4), stored over the first and
-- announced as a second `understood` event with `revised: true`, fenced by attempt. A profile equal to the stored one writes nothing (a retried
-- attempt hearing the same again); the row still says the attempt owns the job (`owned`), so only
-- a fenced-out attempt gets no row.
WITH owner AS (
    SELECT id, profile FROM program_generation_jobs
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
       FOR UPDATE
), job AS (
    UPDATE program_generation_jobs j
       SET profile = $3::jsonb, unplaced = $4::jsonb, last_seq = j.last_seq + 1
      FROM owner
     WHERE j.id = owner.id AND owner.profile IS DISTINCT FROM $3::jsonb
    RETURNING j.id, j.last_seq
), event AS (
    INSERT INTO program_generation_events (job_id, seq, type, data)
    SELECT id, last_seq, 'understood', jsonb_build_object('profile', $3::jsonb, 'unplaced', $4::jsonb, 'revised', true)
      FROM job
)
SELECT owner.id AS owned, job.last_seq,
       CASE WHEN job.id IS NOT NULL THEN pg_notify('nowva_events', job.id::text || ':' || job.last_seq) END
  FROM owner LEFT JOIN job ON true;

-- add_usage --
-- Add one LLM call's usage to its job as soon as the call ends (success or not), so the
-- job's usage counts every call of every attempt. Accounting, not a state change: it is not
-- fenced by the attempt, because a call an outdated attempt made was paid for all the same.
-- No event, but a doorbell with the last seq: the status shows the usage (app/web/status_cache.py).
UPDATE program_generation_jobs SET usage = nowva_usage_add(usage, $2) WHERE id = $1
RETURNING id, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified;

-- update_step --
-- Replace a stored step's content without an event (the plan's description, which the model
-- writes after everything the blocks need), fenced by attempt. A doorbell with the job's last seq
-- says the status changed (the plan is in it: app/web/status_cache.py).
WITH job AS (
    SELECT id, last_seq FROM program_generation_jobs
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
       FOR SHARE
)
UPDATE program_generation_steps s
   SET content = $5, attempt = $2, updated_at = now()
  FROM job
 WHERE s.job_id = job.id AND s.kind = $3 AND s.idx = $4
RETURNING s.job_id, pg_notify('nowva_events', job.id::text || ':' || job.last_seq) IS NULL AS notified;

-- attach_step --
-- Remember the background response writing a step (Responses API), as soon as its id is known,
-- fenced by attempt; a retried attempt re-attaches to it. A step already done keeps its content.
-- The step's usage is that of its current response (add_response_usage), so it starts empty.
-- $6: the model-call span that started the response (a re-attaching attempt links to it).
WITH job AS (
    SELECT id FROM program_generation_jobs
     WHERE id = $1 AND attempt = $2 AND status = 'in_progress'
       FOR SHARE
), step AS (
    INSERT INTO program_generation_steps (job_id, kind, idx, status, attempt, response_id, last_sequence,
                                          traceparent)
    SELECT id, $3, $4, 'running', $2, $5, 0, $6 FROM job
    ON CONFLICT (job_id, kind, idx) DO UPDATE
       SET response_id = EXCLUDED.response_id, attempt = EXCLUDED.attempt, last_sequence = 0, usage = NULL,
           partial_text = NULL, traceparent = EXCLUDED.traceparent, updated_at = now()
     WHERE program_generation_steps.status = 'running'
)
SELECT id FROM job;

-- checkpoint_steps --
-- How far the worker's background responses in flight have been read: one row per stream
-- (job, attempt, step, response, last sequence number read, the text up to it), all of a
-- worker's streams in one statement. Fenced by the attempt; only a step still running on that
-- response moves, and only forward (a late flush never overwrites a newer checkpoint). Returns
-- the rows written. Unlike the other fenced writes it takes no FOR SHARE on the job rows (it
-- would lock ~500 jobs every flush): a stale attempt's write that slips in as a successor takes
-- the job is still a true prefix of that same response, so it can only make the successor's
-- resume read a little less or more again, never wrong.
WITH c AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[])
        AS c(job_id, attempt, kind, idx, response_id, seq, text)
)
UPDATE program_generation_steps s
   SET last_sequence = c.seq, partial_text = c.text, updated_at = now()
  FROM c JOIN program_generation_jobs j ON j.id = c.job_id AND j.attempt = c.attempt AND j.status = 'in_progress'
 WHERE s.job_id = c.job_id AND s.kind = c.kind AND s.idx = c.idx AND s.response_id = c.response_id
   AND s.status = 'running' AND coalesce(s.last_sequence, 0) < c.seq
RETURNING s.job_id, s.kind, s.idx;

-- job_abandoned --
-- Whether a job's calls in flight should be cancelled at OpenAI: the job was cancelled, or the
-- attempt still owns it and its overall deadline has passed (a second of slack for the clocks)
SELECT status = 'cancelled'
       OR (status = 'in_progress' AND attempt = $2
           AND started_at + make_interval(secs => $3) <= now() + interval '1 second')
  FROM program_generation_jobs WHERE id = $1;

-- add_response_usage --
-- Add the usage of one background response (Responses API) to its job once, however many
-- attempts read it: the first to finish marks it on the step it wrote. `$6` (re-attached and
-- remade counts) is added every time. A response its step no longer names (a repair of a step
-- already done) is counted as it comes. Rings the job's doorbell, as add_usage does.
WITH step AS (
    SELECT usage IS NOT NULL AS counted FROM program_generation_steps
     WHERE job_id = $1 AND kind = $2 AND idx = $3 AND response_id = $4
       FOR UPDATE
), mark AS (
    UPDATE program_generation_steps SET usage = $5, updated_at = now()
     WHERE job_id = $1 AND kind = $2 AND idx = $3 AND response_id = $4 AND usage IS NULL
)
UPDATE program_generation_jobs
   SET usage = nowva_usage_add(CASE WHEN EXISTS (SELECT 1 FROM step WHERE counted) THEN usage
                                    ELSE nowva_usage_add(usage, $5) END, $6)
 WHERE id = $1
RETURNING id, pg_notify('nowva_events', id::text || ':' || last_seq) IS NULL AS notified;

-- record_code_fixes --
-- What code fixed in the model's program, written just before the job completes, fenced by attempt
-- (a later attempt that completes the job writes its own).
UPDATE program_generation_jobs SET code_fixes = $3::jsonb
 WHERE id = $1 AND attempt = $2 AND status = 'in_progress';
