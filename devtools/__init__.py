"""Developer tools: benchmarks and a Streamlit server for tests and measurements (not used by the
studio or the package)."""
