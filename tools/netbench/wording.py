"""How the report says a verdict: percentages with the precision they
deserve, the equivalence margin, a verdict in words. Shared by the report
and its sections (report.py, udp_report.py)."""
from .verdicts import EQUIVALENT, FASTER, SLOWER


def percent(value, signed=True):
    """A percentage with the precision it deserves: '+5.0%', '+24%'; without
    its sign (a magnitude) when not signed. Beyond 999% it says only that
    (an interval that wide says nothing more; a ratio is never below -100%)."""
    if value > 999:
        return ">+999%" if signed else ">999%"
    digits = 0 if abs(value) >= 10 else 1
    return ("%+.*f%%" if signed else "%.*f%%") % (digits, value)


def margin_text(margin):
    return "±%g%%" % (100 * margin)


def verdict_text(v, faster="faster", slower="slower"):
    """One verdict in words, its effect and interval always shown:
    '5.0% faster [2.1%, 7.9%]', '24% slower [21%, 27%]',
    'equivalent within ±3% (+0.4% [-1.2%, +2.0%])',
    'not decided, +1.0% [-2.1%, +4.0%]'."""
    if v.estimate is None:
        return "not decided (fewer than 2 runs to compare)"
    lo, hi = v.interval
    if v.kind == FASTER:
        return "%s %s [%s, %s]" % (percent(v.effect, False), faster, percent(lo, False),
                                   percent(hi, False))
    if v.kind == SLOWER:
        return "%s %s [%s, %s]" % (percent(-v.effect, False), slower, percent(-hi, False),
                                   percent(-lo, False))
    effect = "%s [%s, %s]" % (percent(v.effect), percent(lo), percent(hi))
    if v.kind == EQUIVALENT:
        return "equivalent within %s (%s)" % (margin_text(v.margin), effect)
    return "not decided, " + effect
