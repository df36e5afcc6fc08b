"""Test and benchmark equipment that the workflow never runs: a loopback HTTP server with
scripted misbehaviour (:mod:`testkit.loopback`). Imported by tests (pytest puts the
repository root on the path) and by benchmarks (run as ``python -m benchmarks.<name>``)."""
