"""Operating the system: accounts and sign-in (auth), backups (backup), sending messages (notify).
Imports core, plan and db only."""
