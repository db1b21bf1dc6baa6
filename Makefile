# Folk Melody Studio: `make app` starts the studio on the shipped model, `make test` runs the tests.
# Both create .venv/ and install what is needed on first use (pip packages; Debian packages
# for sound and the browser test when apt is there, skipped cleanly when it is not).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PORT ?= 8501

.PHONY: app test venv system-packages lint clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

system-packages:
	@bash scripts/install_system_packages.sh

app: $(STAMP) system-packages
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(STAMP) system-packages
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .cache .pytest_cache
