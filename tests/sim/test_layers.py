"""The layers declare the parameters they read, and read no other (Starsim's module ``pars``)."""

from __future__ import annotations

import pytest
from techbloc.sim import params
from techbloc.sim.layers.countries import CountryLayer
from techbloc.sim.layers.devices import DeviceLayer
from techbloc.sim.layers.enterprises import EnterpriseLayer
from techbloc.sim.layers.operators import OperatorLayer
from techbloc.sim.layers.shared import Shared, Values
from techbloc.sim.layers.vendors import VendorLayer
from techbloc.sim.model import TechAllianceModel

from tests.helpers import short

LAYERS = {"vendors": VendorLayer, "countries": CountryLayer, "operators": OperatorLayer,
          "devices": DeviceLayer, "enterprises": EnterpriseLayer}
KNOWN = {f"{group}.{name}" for group, members in params.TREE.items() for name in members}


class Reads(Values):
    """Parameter values that note which keys are read, under the name of the current reader."""

    reader: str | None = None
    seen: dict[str, set[str]]

    def __getitem__(self, key):
        self.seen.setdefault(self.reader, set()).add(key)
        return super().__getitem__(key)


def _watch(values: Reads, name: str, method):
    def call(*args, **kwargs):
        outer, values.reader = values.reader, name
        try:
            return method(*args, **kwargs)
        finally:
            values.reader = outer
    return call


@pytest.mark.parametrize("layer", [Shared, *LAYERS.values()], ids=lambda c: c.__name__)
def test_every_declared_parameter_exists(layer):
    unknown = sorted(set(layer.PARAMS) - KNOWN)
    assert not unknown, f"{layer.__name__}.PARAMS names unknown parameters: {unknown}"
    assert len(set(layer.PARAMS)) == len(layer.PARAMS), "a parameter declared twice"


@pytest.mark.parametrize("scenario", ["sanctions-2019", "maximum-pressure"])
def test_each_layer_reads_only_the_parameters_it_declares(scenario):
    m = TechAllianceModel(short(scenario, "2022Q4"), seed=4)
    values = m.values
    values.__class__ = Reads  # same object the layers hold: from now on reads are noted
    values.seen = {}
    for name in LAYERS:  # every public method of a layer reads under the layer's name
        layer = getattr(m.layers, name)
        for method in dir(type(layer)):
            if not method.startswith("_") and callable(getattr(layer, method)):
                setattr(layer, method, _watch(values, name, getattr(layer, method)))
    m.run_model()
    assert set(values.seen) >= set(LAYERS), f"some layer read nothing: {sorted(values.seen)}"
    for name, keys in values.seen.items():
        if name is None:  # the model's own reads: events, ramps and the recorded levers
            continue
        extra = keys - set(LAYERS[name].PARAMS) - set(Shared.PARAMS)
        assert not extra, f"the {name} layer reads undeclared parameters: {sorted(extra)}"


def test_a_layer_reading_an_undeclared_parameter_is_caught():
    values = Reads({"a.b": 1.0, "c.d": 2.0})
    values.seen = {}
    read = _watch(values, "x", lambda: values["c.d"])
    read()
    assert values.seen == {"x": {"c.d"}}
