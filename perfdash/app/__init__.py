"""The application around the domain: Streamlit helpers every page shares (ui, session), the demo
data a first start builds (demo), and the benchmark (bench). The top layer with perfdash.store and
the command line."""
