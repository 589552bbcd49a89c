-- The service's own tables (DESIGN §3). Procrastinate's tables live beside them.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    display_name  text,
    height_cm     double precision CHECK (height_cm BETWEEN 100 AND 250),
    weight_kg     double precision CHECK (weight_kg BETWEEN 30 AND 300),
    fitness_level text CHECK (fitness_level IN ('beginner', 'intermediate', 'advanced'))
);

CREATE TABLE api_keys (
    prefix      text PRIMARY KEY,
    -- sha256 of the secret part. The secret is 256 random bits, so a fast hash is
    -- enough: there is nothing to brute-force that a slow hash would protect.
    secret_hash bytea NOT NULL,
    name        text,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Signing secrets shared by every API process (job-scoped stream tokens).
CREATE TABLE service_secrets (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE program_generation_jobs (
    id                   uuid PRIMARY KEY,
    user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request              jsonb NOT NULL,
    status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
    progress             smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    stage                text NOT NULL DEFAULT 'queued',
    -- Bumped by each worker that takes the job; every worker write is fenced by it,
    -- so a paused original cannot overwrite the retry that replaced it.
    attempt              integer NOT NULL DEFAULT 0,
    -- The last event seq: the job row lock serialises event inserts, so seq is gap-free.
    last_seq             integer NOT NULL DEFAULT 0,
    api_key_prefix       text,
    idempotency_key      text,
    request_hash         text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    completed_at         timestamptz,
    program_id           uuid,
    error_message        text,
    procrastinate_job_id bigint,
    engine               text,
    model                text,
    usage                jsonb,
    UNIQUE (api_key_prefix, idempotency_key)
);
CREATE INDEX program_generation_jobs_user_created ON program_generation_jobs (user_id, created_at DESC);
CREATE INDEX program_generation_jobs_key_created ON program_generation_jobs (api_key_prefix, created_at);
CREATE INDEX program_generation_jobs_created ON program_generation_jobs (created_at DESC);
CREATE INDEX program_generation_jobs_active ON program_generation_jobs (status)
    WHERE status IN ('pending', 'in_progress');

CREATE TABLE program_generation_events (
    job_id     uuid NOT NULL REFERENCES program_generation_jobs (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    -- A global cursor for the operators' firehose (GET /api/events).
    id         bigserial NOT NULL UNIQUE,
    type       text NOT NULL CHECK (type IN ('status', 'progress', 'completed', 'failed', 'cancelled')),
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE programs (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unique: a retried job can never create a second program. SET NULL so that
    -- pruning old jobs keeps the programs.
    job_id         uuid UNIQUE REFERENCES program_generation_jobs (id) ON DELETE SET NULL,
    name           text NOT NULL,
    description    text NOT NULL,
    goal_category  text NOT NULL,
    fitness_level  text NOT NULL,
    duration_weeks integer NOT NULL,
    days_per_week  integer NOT NULL,
    content        jsonb NOT NULL,
    summary        text NOT NULL,
    engine         text NOT NULL,
    model          text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX programs_user_created ON programs (user_id, created_at DESC, id DESC);
