# make run   : create .venv, install the project, run the job on the bundled sample crawl
# make test  : create .venv, install the project with its test extras, run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_OUT ?= out/sample

.PHONY: run test clean

run: $(VENV)/.installed
	$(BIN)/curation run --input tests/data/sample.warc.gz --output $(SAMPLE_OUT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

# the C extensions are built by the install, so a change to their sources reinstalls
$(VENV)/.installed: setup.cfg pyproject.toml setup.py curation/_bpe.c curation/_langid.c curation/_gen_unicode.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) out build *.egg-info
