"""``python -m explorer``: the same command line as ``kuril-explorer``.

Run by a Python that lacks the explorer's dependencies (the system ``python3`` instead of the
project's venv), it says so in one line and how to fix it, instead of a ModuleNotFoundError traceback.
"""

import sys

HELP = (
    "error: this Python ({python}) does not have the explorer's dependencies ({missing} is missing). "
    "Use the project's venv: `.venv/bin/kuril-explorer ...` or `.venv/bin/python -m explorer ...`, or "
    "activate it first (`source .venv/bin/activate`); `scripts/setup-venv` creates it. "
    "Installed with pip? Run `kuril-explorer` from the environment you installed it into."
)


def run() -> int:
    try:
        from explorer.cli import main
    except ModuleNotFoundError as err:
        if err.name and err.name.split(".")[0] == "explorer":
            raise  # our own code is broken: a traceback is the useful report
        print(HELP.format(python=sys.executable, missing=err.name), file=sys.stderr)
        return 1
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
