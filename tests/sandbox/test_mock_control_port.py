"""The control port, which resets and steers the mock, listens on loopback only: a mock asked to serve
on every address with a control port refuses to start."""

from __future__ import annotations

import pytest

from cliniko_sandbox import MockCliniko


def test_the_control_port_listens_on_loopback_only(tmp_path):
    with pytest.raises(ValueError, match="loopback"):
        MockCliniko(host="0.0.0.0", control_port=0, workdir=tmp_path)
