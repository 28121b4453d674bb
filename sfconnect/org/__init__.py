"""A target org: configuration and auth, the Metadata API client, batching, retries."""
