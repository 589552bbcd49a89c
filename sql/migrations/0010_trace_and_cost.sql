-- One trace per job, and what each job cost (issue 28; docs/observability.md).
--
--   program_generation_jobs.traceparent   the W3C traceparent of the API request that created
--                                         the job (NULL while tracing is off): every attempt's
--                                         span continues that trace
--   program_generation_steps.traceparent  the model-call span that started the step's
--                                         background response: an attempt that re-attaches to
--                                         the response links its own span to that one
ALTER TABLE program_generation_jobs ADD COLUMN IF NOT EXISTS traceparent text;
ALTER TABLE program_generation_steps ADD COLUMN IF NOT EXISTS traceparent text;

-- The jobs' cost in US dollars by model (`usage.cost_usd`, the sum of the job's calls' prices:
-- jobs/engines/llm/prices.py) is one of the metric facts as 0014_fallback_metrics.sql defines them.
