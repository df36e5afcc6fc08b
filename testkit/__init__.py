"""Test and benchmark equipment that the workflow never runs: a loopback HTTP server with
scripted misbehaviour (:mod:`testkit.loopback`), data makers (:mod:`testkit.synthetic_faces`,
:mod:`testkit.facescrub_web`, :mod:`testkit.scale`, :mod:`testkit.digits`), the workflow run in
a copy (:mod:`testkit.workflow`), and readers only tests need (:mod:`testkit.faces`,
:mod:`testkit.figures`). Imported by tests (pytest puts the repository root on the path) and by
benchmarks (run as ``python -m benchmarks.<name>``)."""
