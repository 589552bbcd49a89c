-- The firehose's cursor (GET /api/events). Global event ids are assigned at insert, not at
-- commit, so an event can become visible after one with a higher id. Ordering by the
-- inserting transaction's id, and reading only transactions older than every one still
-- running, gives an order in which nothing can ever appear behind a reader's cursor.
ALTER TABLE program_generation_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX program_generation_events_txid ON program_generation_events (txid, id);
