#!/usr/bin/python3
"""report.md and figures for a net_bench run (tools/netbench/report.py)."""
import sys

from netbench.report import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
