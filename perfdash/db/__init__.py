"""The database: the schema (schema.sql), the connection, the one write path (database.Database.write),
named reads (queries) and the read models built on them (roll-ups, weekly views, 量化指标 in force).
Imports core and plan only."""
