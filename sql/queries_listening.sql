-- notify_probe --
-- A listener's probe of its own LISTEN (app/listening.py), sent through the pool: $1 the
-- channel, $2 the probe's token. Delivered at commit, like every doorbell.
SELECT pg_notify($1, $2);
