#!/usr/bin/env python3
"""fakelogs: a loopback fake of CloudWatch Logs with fault knobs, for apitrace's tests.

The fake is the package scripts/fakelogs/ (its docstring lists the operations, the data,
the knobs and the control API); this file runs it as it always ran:

    python3 scripts/fakelogs.py --port 0 --groups 3 --events 3000
"""

from fakelogs.cli import main

if __name__ == "__main__":
    main()
