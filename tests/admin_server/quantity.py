"""Kubernetes resource quantities, as ``k8s.io/apimachinery/pkg/api/resource`` parses and prints them.

flyteadmin validates task resources with ``resource.ParseQuantity`` and compares them with ``Quantity.Value()``
(which rounds *up* to a whole number), and its error messages show ``Quantity.String()`` (the canonical form).
This module reproduces those three behaviours closely enough for the messages to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

# The exact texts of the Go errors (resource/quantity.go).
ERR_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}  # powers of 10
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {v: k for k, v in _BINARY.items()}


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity; ``str()`` is the Go error text."""


@dataclass(frozen=True)
class Quantity:
    value: Decimal  # exact, already rounded up to nano precision like the Go implementation
    format: str  # "BinarySI", "DecimalSI" or "DecimalExponent"

    def whole(self) -> int:
        """``Quantity.Value()``: the value rounded up to an integer."""
        return int(self.value.to_integral_value(rounding=ROUND_CEILING))

    def milli(self) -> int:
        """``Quantity.MilliValue()``: the value in thousandths, rounded up."""
        return int((self.value * 1000).to_integral_value(rounding=ROUND_CEILING))

    def __str__(self) -> str:
        return canonical(self)


def parse_quantity(text: str) -> Quantity:
    """``resource.ParseQuantity``: raises :class:`QuantityError` with the Go message when ``text`` is invalid."""
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    number, suffix = _scan(text)
    if suffix in _BINARY:
        scale, fmt = Decimal(1024) ** _BINARY[suffix], "BinarySI"
    elif suffix in _DECIMAL:
        scale, fmt = Decimal(10) ** _DECIMAL[suffix], "DecimalSI"
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[-+]?[0-9]+", suffix[1:]):
        scale, fmt = Decimal(10) ** int(suffix[1:]), "DecimalExponent"
    else:
        raise QuantityError(ERR_SUFFIX)
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise QuantityError(ERR_NUMERIC) from None
    value = amount * scale
    # Go keeps at most nano precision and rounds anything finer up.
    if value != value.to_integral_value():
        value = value.quantize(Decimal("1e-9"), rounding=ROUND_CEILING)
    return Quantity(value.normalize() if value else Decimal(0), fmt)


def _scan(text: str) -> tuple[str, str]:
    """``parseQuantityString``: split into the numeric part (sign, digits, one dot) and the suffix."""
    pos, end = 0, len(text)
    if text[0] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit():
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos].isdigit():
            pos += 1
    number, suffix_start = text[:pos], pos
    while pos < end and text[pos] in "eEinumkKMGTP":
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit():
        pos += 1
    if pos < end:  # something that is neither a digit, a dot nor a suffix letter
        raise QuantityError(ERR_FORMAT_WRONG)
    return number, text[suffix_start:]


def canonical(q: Quantity) -> str:
    """``Quantity.String()``: the shortest exact form in the quantity's own format family."""
    value = q.value
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if q.format == "BinarySI" and value >= 1024 and value == value.to_integral_value():
        n = int(value)
        power = 0
        while n % 1024 == 0 and power < 6:
            n //= 1024
            power += 1
        if power:
            return f"{sign}{n}{_BINARY_SUFFIX[power]}"
        # not a multiple of 1024: Go falls back to the decimal form
    # Decimal (and exponent) forms: integer mantissa with an exponent that is a multiple of 3.
    exponent = -9
    mantissa = value.scaleb(9)
    while exponent < 18 and mantissa % 1000 == 0:
        mantissa /= 1000
        exponent += 3
    mantissa_text = str(int(mantissa))
    if q.format == "DecimalExponent":
        return f"{sign}{mantissa_text}" + (f"e{exponent}" if exponent else "")
    return f"{sign}{mantissa_text}{_DECIMAL_SUFFIX[exponent]}"
