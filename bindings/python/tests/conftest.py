"""Summary lines (suite counts, differential counts) are printed by the
tests and repeated in pytest's terminal summary, so `make test` shows them
without `-s`."""

import pytest


def pytest_configure(config):
    config._sigv4rs_summary = []


@pytest.fixture
def summary(request):
    def add(line):
        print(line)
        request.config._sigv4rs_summary.append(line)

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = getattr(config, "_sigv4rs_summary", [])
    if lines:
        terminalreporter.section("sigv4rs summary")
        for line in lines:
            terminalreporter.write_line(line)
