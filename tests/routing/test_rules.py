"""The pure rule matcher."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.rules import RuleSpec, condition_matches, first_matching, rule_matches

ANSWERS = {"size": "Enterprise", "products": ["crm", "Billing"], "seats": 250, "note": ""}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "country", "op": "eq", "value": "pe"}, True),
        ({"field": "country", "op": "neq", "value": "PE"}, False),
        ({"field": "country", "op": "in", "value": ["CL", "PE"]}, True),
        ({"field": "country", "op": "in", "value": ["CL"]}, False),
        ({"field": "answers.size", "op": "eq", "value": "enterprise"}, True),
        ({"field": "answers.size", "op": "contains", "value": "prise"}, True),
        ({"field": "answers.products", "op": "contains", "value": "billing"}, True),
        ({"field": "answers.products", "op": "contains", "value": "bill"}, False),
        ({"field": "answers.products", "op": "in", "value": ["hr", "crm"]}, True),
        ({"field": "answers.products", "op": "eq", "value": "crm"}, True),
        ({"field": "answers.seats", "op": "eq", "value": 250}, True),
        ({"field": "answers.seats", "op": "in", "value": ["250", "500"]}, True),
        ({"field": "answers.missing", "op": "eq", "value": "x"}, False),
        ({"field": "answers.missing", "op": "neq", "value": "x"}, True),
        ({"field": "answers.note", "op": "neq", "value": "x"}, True),
        ({"field": "answers.size", "op": "gt", "value": "x"}, False),
        ({"field": "email", "op": "eq", "value": "x"}, False),
    ],
)
def test_condition_matches_each_op(condition, expected):
    assert condition_matches(condition, country="PE", answers=ANSWERS) is expected


def test_rule_matches_all_and_any():
    hit = {"field": "country", "op": "eq", "value": "PE"}
    miss = {"field": "country", "op": "eq", "value": "ES"}
    assert rule_matches(RuleSpec(1, (hit, miss), "any"), country="PE", answers={}) is True
    assert rule_matches(RuleSpec(1, (hit, miss), "all"), country="PE", answers={}) is False
    assert rule_matches(RuleSpec(1, (), "all"), country="PE", answers={}) is False


def test_first_matching_respects_order():
    rules = [
        RuleSpec("es", ({"field": "country", "op": "eq", "value": "ES"},)),
        RuleSpec("big", ({"field": "answers.seats", "op": "eq", "value": "250"},)),
        RuleSpec("pe", ({"field": "country", "op": "eq", "value": "PE"},)),
    ]
    assert first_matching(rules, country="PE", answers=ANSWERS).id == "big"
    assert first_matching(rules, country="FR", answers={}) is None


conditions = st.lists(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(["country", "answers.a", "answers.b", "answers.none"]),
            "op": st.sampled_from(["eq", "neq", "in", "contains", "bogus"]),
            "value": st.sampled_from(["PE", "pe", "x", ["PE", "x"], 3, ""]),
        }
    ),
    max_size=4,
)
answers = st.fixed_dictionaries(
    {"a": st.sampled_from(["x", "X y", ["x", "z"], 3, ""]), "b": st.sampled_from(["pe", "q"])}
)


@given(conditions, answers, st.sampled_from(["PE", "CL", ""]))
def test_rule_matches_is_all_or_any_of_its_conditions(conds, given_answers, country):
    results = [condition_matches(c, country=country, answers=given_answers) for c in conds]
    spec_all = RuleSpec(1, tuple(conds), "all")
    spec_any = RuleSpec(1, tuple(conds), "any")
    assert rule_matches(spec_all, country=country, answers=given_answers) is (
        bool(results) and all(results)
    )
    assert rule_matches(spec_any, country=country, answers=given_answers) is any(results)


@given(conditions, answers, st.sampled_from(["PE", "CL", ""]))
def test_neq_is_the_negation_of_eq(conds, given_answers, country):
    for c in conds:
        eq = condition_matches({**c, "op": "eq"}, country=country, answers=given_answers)
        neq = condition_matches({**c, "op": "neq"}, country=country, answers=given_answers)
        assert eq is not neq
