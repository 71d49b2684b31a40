"""The Dash dashboards: read the published snapshot, never the warehouse, never compute an indicator."""
