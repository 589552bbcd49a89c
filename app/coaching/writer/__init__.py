"""The built-in writer: an offline, deterministic coach over the catalogue and the policy."""
