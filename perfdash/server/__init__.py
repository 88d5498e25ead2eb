"""The server around the pages: starting Streamlit, the demo database, HTTP routes, log redaction
and the upload gate. Below perfdash.app (no Streamlit page code here) and above the domain."""
