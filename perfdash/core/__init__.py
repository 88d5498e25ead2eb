"""Foundations every other layer uses: settings, formatting, bounded reading of uploaded files,
who is acting, schedules (序时进度) and dashboard filters. Imports nothing of perfdash above it."""
