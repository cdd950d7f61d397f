# The two commands of the README. Both are idempotent and need only Python 3.11, PyPI and make.
.PHONY: run test lint install

install:
	@bash scripts/bootstrap.sh

run: install
	.venv/bin/brisk up --demo

test: install
	bash scripts/test.sh

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy
