"""``python3 -m fakelogs`` (with scripts/ on sys.path): the same as scripts/fakelogs.py."""

from .cli import main

main()
