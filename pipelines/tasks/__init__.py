"""Thin Prefect tasks: each wraps one plain function; retries only where a failure can be transient."""
