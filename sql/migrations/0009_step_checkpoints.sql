-- How far each background response in flight has been read (issue 16): the text its stream
-- has given so far, up to `last_sequence` (0008), so a retried attempt resumes the stream with
-- `starting_after = last_sequence` and keeps what was read before the crash, instead of reading
-- the whole answer again. Written every NOWVA_CHECKPOINT_S by the worker's checkpointer
-- (jobs/checkpoints.py), for every stream of the worker in one statement; cleared when the
-- step is done or its call is replaced.
ALTER TABLE program_generation_steps ADD COLUMN IF NOT EXISTS partial_text text;
