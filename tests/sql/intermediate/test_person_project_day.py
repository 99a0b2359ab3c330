"""int_person_day / int_project_day: valid punch days under `any` and `pair_4h`, working days, key staff present."""

from datetime import date

from pipelines.settings import Indicators, Settings
from tests.given import rows_of
from tests.sql.intermediate.given_indicators import indicator_warehouse, key_staff, project, punch, worker

AS_OF = date(2025, 6, 30)
# int_person_day keys a person by hash(id_card_number_hash): the tiny IDs of ROWS named back from their keys
WHO = """(select int_person_day.*, people.who from int_person_day
    inner join (values ('w1'), ('w2'), ('pm1'), ('x9')) as people (who) on int_person_day.person_key = hash(people.who))"""

ROWS = {
    "project": [project("P1")],
    "project_worker": [worker("P1", "w1"), worker("P1", "w2"), worker("P1", "pm1", role="10")],
    "project_corp": [key_staff("P1", "pm1")],
    "attendance": [
        # 06-02: w1 in 08:00 out 17:00 (9 h); w2 a single punch; pm1 in 08:00 out 10:00 (2 h); x9 not on the roster
        punch("P1", "w1", "2025-06-02 08:00:00"),
        punch("P1", "w1", "2025-06-02 17:00:00", "02"),
        punch("P1", "w2", "2025-06-02 08:00:00"),
        punch("P1", "pm1", "2025-06-02 08:00:00"),
        punch("P1", "pm1", "2025-06-02 10:00:00", "02"),
        punch("P1", "x9", "2025-06-02 09:00:00"),
        # 06-03: only the manager, one punch
        punch("P1", "pm1", "2025-06-03 08:00:00"),
        # after as_of: ignored
        punch("P1", "w1", "2025-07-01 08:00:00"),
    ],
}


def test_person_day_any_rule_every_punch_day_is_valid():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    assert rows_of(
        con,
        f"""select who, work_date, n_punches, is_valid_day, work_role, is_on_roster
                           from {WHO} order by work_date, who""",
    ) == [
        {
            "who": "pm1",
            "work_date": date(2025, 6, 2),
            "n_punches": 2,
            "is_valid_day": True,
            "work_role": "10",
            "is_on_roster": True,
        },
        {
            "who": "w1",
            "work_date": date(2025, 6, 2),
            "n_punches": 2,
            "is_valid_day": True,
            "work_role": "20",
            "is_on_roster": True,
        },
        {
            "who": "w2",
            "work_date": date(2025, 6, 2),
            "n_punches": 1,
            "is_valid_day": True,
            "work_role": "20",
            "is_on_roster": True,
        },
        {
            "who": "x9",
            "work_date": date(2025, 6, 2),
            "n_punches": 1,
            "is_valid_day": True,
            "work_role": None,
            "is_on_roster": False,
        },
        {
            "who": "pm1",
            "work_date": date(2025, 6, 3),
            "n_punches": 1,
            "is_valid_day": True,
            "work_role": "10",
            "is_on_roster": True,
        },
    ]


def test_project_day_any_rule():
    con = indicator_warehouse(ROWS, as_of=AS_OF)
    # 06-02: workers w1, w2 (x9 has no role, pm1 is a manager) → 2, a working day, PM present
    # 06-03: only pm1 → a project day but not a working day
    assert rows_of(con, "select * from int_project_day order by work_date") == [
        {
            "project_code": "P1",
            "work_date": date(2025, 6, 2),
            "n_valid_persons": 4,
            "n_workers": 2,
            "is_working_day": True,
            "is_pm_present": True,
            "is_chief_supervisor_present": False,
        },
        {
            "project_code": "P1",
            "work_date": date(2025, 6, 3),
            "n_valid_persons": 1,
            "n_workers": 0,
            "is_working_day": False,
            "is_pm_present": True,
            "is_chief_supervisor_present": False,
        },
    ]


def test_pair_4h_rule_needs_two_punches_four_hours_apart():
    settings = Settings(indicators=Indicators(valid_day_rule="pair_4h"))
    con = indicator_warehouse(ROWS, as_of=AS_OF, settings=settings)
    # only w1 (2 punches, 9 h) is valid; pm1 has 2 punches but 2 h < 4 h; w2, x9 single punches
    assert rows_of(con, f"select who from {WHO} where is_valid_day") == [{"who": "w1"}]
    assert rows_of(con, "select work_date, n_workers, is_pm_present from int_project_day") == [
        {"work_date": date(2025, 6, 2), "n_workers": 1, "is_pm_present": False},
    ]


def test_pair_min_hours_is_a_setting():
    settings = Settings(indicators=Indicators(valid_day_rule="pair_4h", pair_min_hours=2.0))
    con = indicator_warehouse(ROWS, as_of=AS_OF, settings=settings)
    # pm1's 2 h now counts
    assert rows_of(con, f"select who from {WHO} where is_valid_day order by 1") == [
        {"who": "pm1"},
        {"who": "w1"},
    ]


def test_one_person_named_pm_and_chief_supervisor_is_counted_once_and_present_in_both_roles():
    rows = {
        **ROWS,
        "project_corp": [key_staff("P1", "pm1"), key_staff("P1", "pm1", corp_type="007", corp="C2")],
    }
    con = indicator_warehouse(rows, as_of=AS_OF)
    assert rows_of(
        con,
        """select work_date, n_valid_persons, n_workers, is_pm_present, is_chief_supervisor_present
           from int_project_day order by work_date""",
    ) == [
        {
            "work_date": date(2025, 6, 2),
            "n_valid_persons": 4,
            "n_workers": 2,
            "is_pm_present": True,
            "is_chief_supervisor_present": True,
        },
        {
            "work_date": date(2025, 6, 3),
            "n_valid_persons": 1,
            "n_workers": 0,
            "is_pm_present": True,
            "is_chief_supervisor_present": True,
        },
    ]
