"""The application around the domain: Streamlit glue every page shares (page setup in ui,
sign-in in session; every read in reads, every write in actions) and the demo data a first
start builds (demo). Below the benchmarks (perfdash.bench), beside perfdash.store; the command
line sits on top."""
