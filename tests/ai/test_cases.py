"""The AI evaluation table (`tests/ai/cases/`): every case file loads and is checked, a malformed case
is refused naming its field, the grader tells a right answer from a wrong one, and the cases marked
`regression` (they pass today) keep passing on a real fleet."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.ai_cases import (
    CATEGORIES,
    MIN_CASES_PER_CATEGORY,
    NOW,
    Answer,
    Case,
    CaseError,
    Result,
    durations_in,
    grade,
    hostnames_in,
    load_cases,
    parse_cases,
    run_case,
    scores,
)
from bench.ai_quality import report

CASES = load_cases()

GOOD = """
category = "several_problems"

[[case]]
id = "leak-first"
question = "what should I fix first?"
[[case.incidents]]
kind = "memory_leak"
server = "db-master-01"
severity = "high"
started_min_ago = 120
[[case.incidents]]
kind = "cpu_spike"
server = "web-prod-01"
started_min_ago = 15
cleared_min_ago = 5
[case.expect]
language = "en"
server = "db-master-01"
cause = "memory_leak"
verdict = "no"
ranking = ["db-master-01", "web-prod-01"]
times_min_ago = [120]
eta_minutes = [20, 40]
mentions = [["independent", "unrelated"]]
absent = ["Most likely cause"]
max_servers_named = 2
"""


def test_every_category_of_the_issue_has_at_least_five_cases() -> None:
    for name in CATEGORIES:
        assert sum(c.category == name for c in CASES) >= MIN_CASES_PER_CATEGORY, name
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.expect.language for c in CASES} == {"ko", "en"}
    assert any(i.cleared_min_ago is not None for c in CASES for i in c.incidents)


def test_a_good_case_parses_with_its_setup_and_expectations() -> None:
    [case] = parse_cases(GOOD, "good.toml")
    assert case.category == "several_problems"
    assert [(i.server, i.started_min_ago, i.cleared_min_ago) for i in case.incidents] == [
        ("db-master-01", 120, None), ("web-prod-01", 15, 5)]
    assert case.incidents[1].severity.value == "medium"  # the default
    assert case.expect.ranking == ["db-master-01", "web-prod-01"]


@pytest.mark.parametrize(("change", "message"), [
    (('kind = "memory_leak"', 'kind = "memory_leek"'),
     "case[0] ('leak-first'): incidents[0].kind: Input should be"),
    (('server = "db-master-01"\nseverity', 'server = "db-mster-01"\nseverity'),
     "incidents[0].server: Value error, 'db-mster-01' is not a server of the 20-server catalogue"),
    (("cleared_min_ago = 5", "cleared_min_ago = 30"),
     "incidents[1]: Value error, cleared_min_ago must be less than started_min_ago"),
    (('language = "en"', 'language = "fr"'), "expect.language: Input should be 'ko' or 'en'"),
    (('cause = "memory_leak"', 'cause = "gremlins"'), "expect.cause: Value error, 'gremlins' is not one of"),
    (('verdict = "no"', 'verdict = "maybe"'), "expect.verdict: Input should be 'yes' or 'no'"),
    (('ranking = ["db-master-01", "web-prod-01"]', 'ranking = ["db-master-01", "web-01"]'),
     "expect.ranking[1]: Value error, 'web-01' is not a server"),
    (("eta_minutes = [20, 40]", "eta_minutes = [40, 20]"),
     "expect.eta_minutes: Value error, must be [low, high]"),
    (("max_servers_named = 2", "max_servers_nmaed = 2"),
     "expect.max_servers_nmaed: Extra inputs are not permitted"),
    (('question = "what should I fix first?"\n', ""), "case[0] ('leak-first'): question: Field required"),
    (('id = "leak-first"', 'id = "Leak First"'), "id: String should match pattern"),
    (('category = "several_problems"', 'category = "misc"'),
     "bad.toml: category: 'misc' is not one of symptoms"),
    (("[case.expect]", "[case.expect\n"), "bad.toml: not valid TOML"),
])
def test_a_malformed_case_is_refused_naming_the_file_case_and_field(change: tuple[str, str],
                                                                    message: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(CaseError) as refused:
        parse_cases(GOOD.replace(old, new, 1), "bad.toml")
    assert str(refused.value).startswith("bad.toml: ")
    assert message in str(refused.value)


def test_a_case_that_expects_nothing_but_a_language_is_refused() -> None:
    text = 'category = "names"\n[[case]]\nid = "x"\nquestion = "hi"\n[case.expect]\nlanguage = "en"\n'
    with pytest.raises(CaseError, match=r"case\[0\] \('x'\): expect: Value error, expects nothing beyond"):
        parse_cases(text, "bad.toml")


def test_overlapping_incidents_of_one_kind_on_one_server_are_refused() -> None:
    text = GOOD.replace('server = "web-prod-01"\nstarted_min_ago = 15',
                        'server = "db-master-01"\nstarted_min_ago = 15')
    text = text.replace('kind = "cpu_spike"', 'kind = "memory_leak"')
    with pytest.raises(CaseError, match="two memory_leak incidents on db-master-01 overlap"):
        parse_cases(text, "bad.toml")


def test_duplicate_ids_and_thin_categories_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(CaseError, match=r"b\.toml: case id 'leak-first' is already used in a\.toml"):
        load_cases(tmp_path)
    (tmp_path / "b.toml").unlink()
    with pytest.raises(CaseError, match=r"fewer than 5 cases: symptoms \(0\), .*several_problems \(1\)"):
        load_cases(tmp_path)


# 14:30 KST is NOW; 120 minutes before is 12:30 KST.
RIGHT = ("No: these are two independent problems; fix db-master-01 first because its leak has run "
         "for 2 h.\n\n"
         "**db\\-master\\-01: memory leak** since 12:31 KST, memory full in ~25 min\n\n"
         "**web-prod-01**: CPU spike (medium), unrelated to the database")
WRONG = ("**Most likely cause: web-prod-01 — CPU spike**\n\n"
         "Also found: db-master-01 disk busy, since 11:02 KST; api-gateway-prod, cache-redis-01 busy")


def _answer(text: str, language: str = "en", servers: list[str] | None = None) -> Answer:
    return Answer(tier="optimized_ai_engine", language=language, text=text,
                  servers=servers if servers is not None else ["db-master-01", "web-prod-01"])


def test_the_grader_passes_the_right_answer_and_fails_the_wrong_one_check_by_check() -> None:
    [case] = parse_cases(GOOD, "good.toml")
    right = grade(case, _answer(RIGHT), NOW)
    assert [c.name for c in right if not c.passed] == []
    assert len(right) == 10  # language, server, cause, verdict, ranking, time, eta, mention, absent, count

    wrong = grade(case, _answer(WRONG, servers=["web-prod-01", "db-master-01"]), NOW)
    failed = {c.name: c.detail for c in wrong if not c.passed}
    assert set(failed) == {"server", "cause", "verdict", "ranking", "time 120 min ago", "time estimate",
                           "mentions independent / unrelated", "without Most likely cause", "no fleet report"}
    assert failed["server"] == "first in servers: web-prod-01, first in text: web-prod-01"
    assert failed["time 120 min ago"] == "want 12:30 ±5 min, text has 11:02"
    assert failed["no fleet report"] == "4 servers named, 0 diagnosed; at most 2"


def test_the_grader_reads_the_answer_language_from_the_text_as_well_as_the_metadata() -> None:
    [case] = parse_cases(GOOD, "good.toml")
    korean = "아니요: 두 문제는 서로 독립적입니다. db-master-01의 메모리 누수를 먼저 해결하세요."
    checks = {c.name: c for c in grade(case, _answer(korean, language="en"), NOW)}
    assert not checks["language"].passed
    assert checks["language"].detail == "metadata en, text reads ko"


def test_hostnames_are_found_with_a_korean_particle_but_not_inside_a_longer_name() -> None:
    assert hostnames_in("db-master-01의 메모리와 web-prod-01-g0002, k8s-worker-01이") == [
        "db-master-01", "k8s-worker-01"]


def test_durations_are_read_as_written_in_either_language() -> None:
    assert durations_in("full in ~28 min, critical in ~1h 5m") == [28, 65]
    assert durations_in("약 3시간 10분 뒤, 약 45분 뒤") == [190, 45]
    assert durations_in("~2d 3h") == [2 * 1440 + 180]


REGRESSION = [c for c in CASES if c.regression]


def test_some_cases_run_as_regression() -> None:
    assert len(REGRESSION) >= 5
    assert len({c.category for c in REGRESSION}) >= 5


@pytest.mark.parametrize("case", REGRESSION, ids=[c.id for c in REGRESSION])
def test_cases_that_pass_today_keep_passing(case: Case) -> None:
    result = run_case(case)
    failed = [f"{check.name}: {check.detail}" for check in result.failed]
    assert result.passed, "\n".join([*failed, "", result.answer.text])


def test_the_report_lists_failed_checks_and_scores_by_category() -> None:
    [case] = parse_cases(GOOD, "good.toml")
    other = case.model_copy(update={"id": "other", "category": "names"})
    right = Result(case, _answer(RIGHT, servers=["db-master-01"]), grade(case, _answer(RIGHT), NOW))
    wrong_answer = replace(_answer(WRONG), seconds=0.2)
    wrong = Result(other, wrong_answer, grade(other, wrong_answer, NOW))
    assert right.passed and not wrong.passed
    assert {k: (v.passed, v.total) for k, v in scores([right, wrong]).items()} == {
        "several_problems": (1, 1), "names": (0, 1), "overall": (1, 2)}
    text = report([right, wrong])
    assert text.startswith("FAIL names/other: server (first in servers: db-master-01, "
                           "first in text: web-prod-01)")
    assert "FAIL several_problems/" not in text
    assert "overall            1 / 2   50 %" in text
    assert text.endswith("AI answer p95 latency over 2 cases: 190 ms")  # between 0 and 200 ms, interpolated
