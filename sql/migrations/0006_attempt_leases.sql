-- Attempts own their job through a lease (DESIGN §5, issue 12).
--
-- Each attempt is its own Procrastinate job: the job row names the current one
-- (procrastinate_job_id), and only a delivery of that queue job may start an attempt. The
-- running attempt renews lease_expires_at from its own task, so the lease lives exactly as
-- long as the attempt does: through a graceful shutdown that waits for it, but not through a
-- SIGKILL or a SIGSTOP. The sweeper hands a job whose lease ran out to a fresh queue job (and
-- never touches the stale one's queue row, which its worker still finishes by itself).
--
--   lease_expires_at  until when the current attempt is known to be alive
--   last_attempt_end  why the previous attempt ended without finishing the job, in words
--                     (what a failure message quotes after the last attempt)
--   handoffs          how many times the job was handed to a fresh queue job
ALTER TABLE program_generation_jobs
    ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz,
    ADD COLUMN IF NOT EXISTS last_attempt_end text,
    ADD COLUMN IF NOT EXISTS handoffs integer NOT NULL DEFAULT 0;

