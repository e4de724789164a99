"""Values and types exchanged with flytekit in both directions. Importable by autoc's tests and, as a plain
module, by the oracle scripts (it imports nothing from autoc or flytekit)."""

import datetime
import enum
import typing
from dataclasses import dataclass, field


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Point:
    x: float
    y: float


@dataclass
class Shape:
    name: str
    points: typing.List[Point]
    color: Color
    tags: typing.Dict[str, int] = field(default_factory=dict)
    note: typing.Optional[str] = None
    when: typing.Optional[datetime.datetime] = None


UTC = datetime.timezone.utc

CASES = {
    "int": (int, 42),
    "negative": (int, -7),
    "float": (float, 2.5),
    "str": (str, "héllo"),
    "bool": (bool, True),
    "datetime": (datetime.datetime, datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)),
    "date": (datetime.date, datetime.date(2024, 2, 29)),
    "timedelta": (datetime.timedelta, datetime.timedelta(days=1, seconds=3, microseconds=5)),
    "none": (type(None), None),
    "list": (typing.List[int], [1, 2, 3]),
    "nested_list": (typing.List[typing.List[str]], [["a"], [], ["b", "c"]]),
    "map": (typing.Dict[str, float], {"a": 1.5, "b": -2.0}),
    "map_of_lists": (typing.Dict[str, typing.List[int]], {"x": [1], "y": []}),
    "untyped_dict": (dict, {"a": 1, "b": [1, 2, {"c": None}], "d": "e", "f": 1.5, "g": True}),
    "optional_none": (typing.Optional[int], None),
    "optional_set": (typing.Optional[int], 5),
    "union_str": (typing.Union[int, str], "x"),
    "union_int": (typing.Union[int, str], 9),
    "enum": (Color, Color.GREEN),
    "dataclass": (Shape, Shape("tri", [Point(0.0, 1.0), Point(2.0, 3.5)], Color.RED, {"k": 1}, None,
                               datetime.datetime(2024, 1, 1, 12, 0))),
    "list_of_dataclass": (typing.List[Point], [Point(1.0, 2.0)]),
    "bytes": (bytes, b"\x00\x01raw"),
}
