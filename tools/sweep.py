#!/usr/bin/python3
"""Runs net_bench's sweep with progress, then the plots and the report (tools/netbench/sweep.py)."""
import sys

from netbench.sweep import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
