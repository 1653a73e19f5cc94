"""Lets ``python -m paperradar`` behave exactly like the ``radar`` console script."""

from paperradar.cli import main

if __name__ == "__main__":
    main()
