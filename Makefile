# One command to run the app, one to run every test. Both create .venv when needed, one line per
# step; pip's own output goes to $(LOG), named when something fails.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOG := $(CURDIR)/.install.log
PORT ?= 8501

.PHONY: run test check lint fmt demo bench clean

$(STAMP): requirements.txt
	@echo "[perfdash] 正在创建虚拟环境 $(VENV) …"
	@$(PYTHON) -m venv $(VENV) > "$(LOG)" 2>&1 || { echo "[perfdash] 创建虚拟环境失败，详见 $(LOG)"; tail -n 5 "$(LOG)"; exit 1; }
	@echo "[perfdash] 正在安装依赖（约 1–3 分钟，视网速而定）…"
	@$(BIN)/pip install --disable-pip-version-check -r requirements.txt >> "$(LOG)" 2>&1 || { echo "[perfdash] 安装依赖失败，详见 $(LOG)"; tail -n 5 "$(LOG)"; exit 1; }
	@touch $(STAMP)
	@echo "[perfdash] 依赖已安装"

# Prepares the database (printing the admin's first password on a new one), starts the scheduled
# backups, then serves the app; the last line it prints is the address to open.
run: $(STAMP)
	@echo "[perfdash] 正在启动看板…"
	@$(BIN)/python -m perfdash serve --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The fast lane while working: lint, then every test that needs no browser, office suite,
# PostgreSQL or benchmark and is not marked slow (markers: tests/conftest.py).
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "not (browser or office or pg or bench or slow)"

lint: $(STAMP)
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP)
	$(BIN)/python -m perfdash demo --db data/perfdash.duckdb

bench: $(STAMP)
	$(BIN)/python -m perfdash bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
