"""Who may change things: API keys, the JWTs traded for them, and per-client rate limits."""
