"""Who may see what: accounts and roles, sign-in for the dashboard (local or single sign-on), and
the append-only audit log, kept in a SQLite store beside the warehouse (`Settings.access_store`)."""
