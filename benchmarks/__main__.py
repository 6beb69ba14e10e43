"""Run every benchmark and print a table and JSON. Filled in by the benchmark work."""

from __future__ import annotations


def main() -> None:
    print("no benchmarks yet")


if __name__ == "__main__":
    main()
