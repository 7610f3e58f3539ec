"""The W3C Web Annotation Data Model conformance schemas, and a validator that runs them."""
