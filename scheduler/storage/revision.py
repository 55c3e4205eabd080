"""The newest migration in migrations/versions (kept free of imports: read-only fast paths use it)."""

HEAD = "0005"
