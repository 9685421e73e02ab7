"""net_bench's results tools as a package: reading a run's JSON (results),
the verdict maths (verdicts), the answers computed from a run (answers),
figures (plots), report.md (report), tools/run's sampler (sweep),
run-against-run comparison (compare) and run-to-run agreement (stability).
The commands in tools/ are thin wrappers around the modules' main()
functions."""
