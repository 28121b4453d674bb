"""Properties over generated components: writing then reading is lossless; normalisation is idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfconnect.metadata import Component, normalize, read_component, schema, write_component

# Text XML 1.0 can carry (no control characters other than tab and line breaks; no lone surrogates).
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\t\r\n&<>\"' "),
    max_size=12,
)


def _value(spec: schema.FieldSpec, depth: int) -> st.SearchStrategy[object]:
    child = spec.complex_type
    if child is not None:
        return _record(child, depth + 1)
    if spec.enum:
        return st.sampled_from(spec.enum)
    if spec.base == "boolean":
        return st.booleans()
    if spec.base == "int":
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    return _TEXT


def _record(xsd_type: str, depth: int = 0) -> st.SearchStrategy[dict[str, object]]:
    specs = [s for s in schema.fields_of(xsd_type) if s.since <= (63, 0)]
    if depth > 2:
        specs = [s for s in specs if s.complex_type is None]
    strategies: dict[str, st.SearchStrategy[object]] = {}
    for spec in specs:
        single = _value(spec, depth)
        strategies[spec.name] = st.lists(single, min_size=1, max_size=3) if spec.repeated else single
    return st.fixed_dictionaries({}, optional=strategies)


def _components() -> st.SearchStrategy[Component]:
    types = [name for name, info in schema.COMPONENT_TYPES.items() if info.in_wsdl and info.since <= (63, 0)]
    return st.sampled_from(types).flatmap(
        lambda t: _record(t).map(lambda fields: Component.build(t, "Generated_App", fields))
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_components())
def test_write_then_read_is_lossless(component: Component) -> None:
    data = write_component(component, "63.0")
    back = read_component(data, full_name=component.full_name, normalized=False)
    assert back == component
    assert back.fingerprint() == component.fingerprint()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_components())
def test_normalisation_is_idempotent_and_survives_writing(component: Component) -> None:
    once = normalize(component)
    assert normalize(once) == once
    assert read_component(write_component(once, "63.0"), full_name=component.full_name) == once
