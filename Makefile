# Folk Melody Studio: `make app` starts the studio on the shipped model, `make test` runs the tests.
# Both create .venv/ and install what is needed on first use (pip packages; Debian packages
# for sound and the browser test when apt is there, skipped cleanly when it is not).
# `make app` installs serving only (requirements-app.txt: no TensorFlow); `make test`,
# `make train` and `make train-venv` everything (requirements.txt = serving + training + tests).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APP_STAMP := $(VENV)/.installed-app-$(shell cat requirements-app.txt | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-all-$(shell cat requirements-app.txt requirements-train.txt requirements.txt | cksum | cut -d' ' -f1)
PORT ?= 8501

.PHONY: app test test-fast train venv app-venv train-venv system-packages lint clean

venv train-venv: $(STAMP)

app-venv: $(APP_STAMP)

$(STAMP): requirements-app.txt requirements-train.txt requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-all-* && touch $@

$(APP_STAMP): requirements-app.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-app.txt
	@rm -f $(VENV)/.installed-app-* && touch $@

system-packages:
	@bash scripts/install_system_packages.sh

app: $(APP_STAMP) system-packages
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} $(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# two worker processes, each test file on one of them (its fixtures made once): 7-8 min here
# where one process took 10; the suite's timing tests allow for the other worker's load
test: $(STAMP) system-packages
	$(PY) -m pytest -q -n 2 --dist loadfile

# the edit-test loop: everything but the slow, browser, subprocess and shipped-model tests (<= 60 s)
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not browser and not subprocess and not shipped_model"

# the shipped model's recipe, into a new folder (the shipped one is only replaced by hand)
train: $(STAMP)
	$(PY) scripts/preprocess.py
	$(PY) scripts/train.py --layers 2 --to-go-bars 16 --lookback 1 --max-minutes 72 --out models/essen-lstm-retrained

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .cache .pytest_cache
