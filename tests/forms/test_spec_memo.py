"""The merged form a check remembers (forms.spec_memo): the same as building it anew, for the
values its rules read; any of those values changed gives the form built for them."""

from __future__ import annotations

import pytest

from lianban.catalog.catalogue import default_catalogue
from lianban.forms import spec_memo
from lianban.forms.spec import FormSpec, build_form
from lianban.forms.spec_memo import shared_form


def _shape(spec: FormSpec) -> tuple[object, ...]:
    return (
        [it.code for it in spec.items],
        spec.situation,
        {k: (f.required, f.visible, list(f.items)) for k, f in spec.fields.items()},
        [m.id for m in spec.materials],
    )


@pytest.mark.parametrize("has_uscc", [True, False, None])
def test_a_value_a_visibility_rule_reads_gives_its_own_form(has_uscc: bool | None) -> None:
    catalogue = default_catalogue()
    theme = next(t for t in catalogue.themes.values() if "employment.has_uscc" in str(t.model_dump()))
    values = {} if has_uscc is None else {"employment.has_uscc": has_uscc}
    for _ in range(2):  # the second is the remembered one
        got = shared_form(catalogue, theme, None, None, {**values, "person.mobile": "13907150000"})
        assert _shape(got) == _shape(build_form(catalogue, theme, None, None, values))
    uscc = got.fields.get("employment.uscc")
    assert uscc is not None and uscc.visible is (has_uscc is not False)


def test_values_no_rule_reads_share_one_form() -> None:
    catalogue = default_catalogue()
    theme = catalogue.themes["hubei.graduate-employment"]
    a = shared_form(catalogue, theme, None, {"settle_city": "wuhan"}, {"person.mobile": "13907150000"})
    b = shared_form(catalogue, theme, None, {"settle_city": "wuhan"}, {"person.mobile": "13800000000"})
    assert a is b
    other = shared_form(catalogue, theme, None, {"settle_city": "other"}, {"person.mobile": "13907150000"})
    assert _shape(other) == _shape(build_form(catalogue, theme, None, {"settle_city": "other"}))


def test_the_values_a_rule_reads_are_kept_only_as_a_digest() -> None:
    catalogue = default_catalogue()
    theme = next(t for t in catalogue.themes.values() if "employment.has_uscc" in str(t.model_dump()))
    secret = "110101199001011237"  # as if a theme's rule read a person's ID number
    values = {"employment.has_uscc": secret}
    got = shared_form(catalogue, theme, None, None, values)
    assert got is shared_form(catalogue, theme, None, None, dict(values))  # remembered by its digest
    assert got is not shared_form(catalogue, theme, None, None, {"employment.has_uscc": secret[:-1] + "8"})
    assert secret not in repr(list(spec_memo._forms))
