"""net_bench's results tools as a package: reading a run's JSON (results),
the answers computed from it (answers), figures (plots), report.md (report),
the sweep driver (sweep), run-against-run comparison (compare) and run-to-run
agreement (stability). The commands in tools/ are thin wrappers around the
modules' main() functions."""
