"""The causal mechanism of a generated world: what drives arrears, by how much, and which variants exist.

"The generator is not the world": a risk score tuned on one mechanism must also be measured on worlds whose
causes differ on purpose. `build_world` reads every driver of the true hazard (and of the owner's payment, the
first visible sign) from a `Mechanism`; `BASE` reproduces the project's historical generator exactly (same seed,
byte-identical deliveries and truth), the variants change the causes and say why a regulator might see such a
world. The mechanism's name and its parameters are written to truth/mechanism.json.

Every variant draws the same firms, projects, people and shocks from the same seed (extra drivers come from
their own random streams), so two worlds of one seed differ only by the mechanism.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Mechanism:
    """The drivers of a world's arrears. Logit of the true hazard of an arrears event within 60 days after a month
    end (per project × month):

        intercept + w_owner_stress·stress + w_distress·distress + w_shock·shock + w_crisis·crisis
        + w_sloppy·sloppy + w_key_staff_absent·pm_absent + w_contractor_shock·contractor_shock + log(season)

    and the owner's unpaid share of certified work (给付率 = 1 − shortfall) in a month:

        pay_stress_weight·stress·U(0.3, 1.1) + pay_shock_weight·shock + crisis_pay_cut·crisis + noise
    """

    name: str = "base"
    intercept: float = -5.7
    w_owner_stress: float = 4.6  # owner's funding stress (工程款拖欠 is the main source of 欠薪)
    w_distress: float = 2.0  # contractor's persistent distress
    w_shock: float = 1.4  # the project's monthly AR(1) shock
    w_crisis: float = 2.5  # while the owner is in a funding crisis
    w_sloppy: float = 0.0  # a contractor careless with paperwork and subcontracting
    w_key_staff_absent: float = 0.0  # the project manager seldom on site (挂证)
    w_contractor_shock: float = 0.0  # a contractor-wide monthly AR(1) shock, shared by all its projects
    shock_ar: float = 0.7  # AR(1) coefficient of the monthly shocks
    shock_sd: float = 0.4  # … and their innovations' standard deviation
    season_factor: float = 1.4  # hazard odds multiplier in January and February (year-end, Spring Festival)
    crisis_onset_base: float = 0.008  # chance per month an owner's funding breaks: base + slope × stress
    crisis_onset_slope: float = 0.14
    crisis_end: float = 0.5  # chance per month that a crisis ends (two months on average)
    crisis_pay_cut: float = 0.5  # share of certified work an owner in crisis stops paying
    pay_stress_weight: float = 1.0  # how much the owner's stress lowers its payment for the work
    pay_shock_weight: float = 0.4  # how much a bad month lowers it
    late_payroll_share: float = 0.0  # share of the world's districts that deliver payroll late …
    late_payroll_days: tuple[int, int] = (
        10,
        25,
    )  # … by this many days after the pay date (uniform per district)
    doc: str = ""

    def crisis_onset(self, stress: np.ndarray) -> np.ndarray:
        """Chance per month that an owner's funding breaks (base: 0.8 % + 14 % × stress, ≈ 4 % at the mean)."""
        return self.crisis_onset_base + self.crisis_onset_slope * stress

    @property
    def has_crises(self) -> bool:
        return self.crisis_onset_base > 0 or self.crisis_onset_slope > 0

    def as_record(self) -> dict:
        """The mechanism as written to truth/mechanism.json."""
        return asdict(self)


BASE = Mechanism(
    doc=(
        "The project's historical generator: an owner's funding stress weighs most, a contractor's distress and a "
        "bad month add to it, and owners' short funding crises (资金链断裂) hit all their projects at once. The "
        "owner's payment for the work (给付率) falls first. What a regulator sees where property developers' "
        "cash flow drives 欠薪."
    ),
)

NO_CRISIS = replace(
    BASE,
    name="no-crisis",
    # without crises (≈ 4 % of owner-months, +2.5 logit) the mean hazard drops by about a third: the intercept
    # is raised to keep the event rate near base's
    intercept=-5.25,
    crisis_onset_base=0.0,
    crisis_onset_slope=0.0,
    crisis_pay_cut=0.0,
    doc=(
        "No owner funding crises: arrears come from the contractor's distress, the owner's steady stress and the "
        "monthly shock only, so nothing jumps across an owner's projects at once. A district of public works "
        "(政府投资) or of owners under escrow (预售资金监管) looks like this; a score that learned 'owner's payment "
        "rate across its projects' as the leading sign finds little to read."
    ),
)

CONTRACTOR_LED = replace(
    BASE,
    name="contractor-led",
    intercept=-5.1,  # near base's event rate
    w_owner_stress=0.8,
    w_distress=3.4,
    w_shock=0.6,
    w_crisis=0.0,
    w_sloppy=1.2,
    w_key_staff_absent=0.9,
    w_contractor_shock=1.5,
    crisis_onset_base=0.0,
    crisis_onset_slope=0.0,
    crisis_pay_cut=0.0,
    pay_stress_weight=1.0,
    pay_shock_weight=0.05,
    doc=(
        "Arrears led by the general contractor (总包): its distress, a contractor-wide bad month shared by all its "
        "projects, careless paperwork and labour-subcontract failure (sloppy) and a project manager seldom on "
        "site dominate; the owner's payment (给付率) is only weakly related. The signals that lead are attendance "
        "gaps, late payroll on the contractor's other projects and key staff absent. A regulator sees this where "
        "owners pay but a contractor diverts the labour cost to other sites or a 劳务 subcontractor walks off."
    ),
)

RARE_EVENTS = replace(
    BASE,
    name="rare-events",
    intercept=-6.6,  # about half base's event rate, the same drivers
    doc=(
        "The same causes as base, about half as many arrears events: a calmer city, or one after a 清欠 campaign. "
        "Precision at a fixed capacity falls for every ranking; the comparison between rankings is what holds."
    ),
)

LATE_DELIVERY = replace(
    BASE,
    name="late-delivery",
    late_payroll_share=0.4,
    doc=(
        "Base's causes and events, another delivery habit: four districts in ten upload payroll (工资发放) 10 to 25 "
        "days after it is paid, so at a month end the pay lines of the month's payday are often not there yet. A "
        "regulator sees this where a district's platform vendor batches the bank's payroll files; a score (or a "
        "rule) that reads 'no payroll yet' as unpaid wages raises false alarms there."
    ),
)

MECHANISMS: dict[str, Mechanism] = {
    m.name: m for m in (BASE, NO_CRISIS, CONTRACTOR_LED, RARE_EVENTS, LATE_DELIVERY)
}


def mechanism_named(name: str | Mechanism) -> Mechanism:
    """The named variant (or the mechanism given), with a clear error for an unknown name."""
    if isinstance(name, Mechanism):
        return name
    if name not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {', '.join(MECHANISMS)}, not {name!r}")
    return MECHANISMS[name]
