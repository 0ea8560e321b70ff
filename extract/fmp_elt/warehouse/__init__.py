"""The warehouse side: connections, the embedded PostgreSQL, schema migrations, raw landing, run state."""
