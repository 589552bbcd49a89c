-- Error kinds (for /metrics' nowva_llm_errors_total and the recent_failures view) matched to
-- the messages the engines actually write (jobs/engines/openai.py, jobs/runner.py). Order
-- matters: the first match wins, and a model's refusal text or an upstream error body can
-- contain any word, so the most specific phrases come first.
CREATE OR REPLACE FUNCTION nowva_error_kind(message text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN message IS NULL THEN NULL
        WHEN message ~* 'refus|content filter' THEN 'refusal'
        WHEN message ~* 'quota|billing' THEN 'quota'
        WHEN message ~* 'rate.?limit|too many requests' THEN 'rate_limited'
        WHEN message ~* 'api.?key|unauthori[sz]ed|authenticat|permission denied|\(40[13]\)' THEN 'auth'
        WHEN message ~* 'timed out|timeout|deadline|did not answer within|stalled: no data' THEN 'timeout'
        WHEN message ~* 'after [0-9]+ attempts|worker running it|left unfinished' THEN 'worker_lost'
        WHEN message ~* 'cut off|truncat|without finishing|length limit' THEN 'truncated'
        WHEN message ~* 'invalid|validat|schema|json|repair' THEN 'invalid_output'
        WHEN message ~* 'connect|could not reach|network|unavailable|overloaded|server error|stream failed'
                        '|answered 5[0-9][0-9]' THEN 'upstream'
        WHEN message ~* 'answered 4[0-9][0-9]' THEN 'request_rejected'
        ELSE 'other'
    END
$$;
