"""Lets ``python -m paperradar`` behave exactly like the ``radar`` console script."""

from paperradar.cli import console

if __name__ == "__main__":
    console()
