"""The test suite; see run_suites.py for how it runs on each backend."""
