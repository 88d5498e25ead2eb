"""The benchmarks (``python -m perfdash bench``) and the servers they measure: page, query and
upload timings in one process (bench), the app served to real browsers (browser_bench) and to
simulated ones over Streamlit's websocket (protocol_bench), each session's server memory
(session_memory). Above the app: a benchmark runs the app's pages; the app never imports it."""
