"""The public JSON API (read-only, versioned) and its OpenAPI description."""
