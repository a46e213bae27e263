"""@record behaves as @dataclass(frozen=True) does, wherever a caller could tell them apart."""

from dataclasses import FrozenInstanceError, dataclass, field, fields, is_dataclass, replace

import pytest

from tui_scheduler.core.record import record


def _visit_class():
    """The same class body for both decorators."""

    class Visit:
        id: str
        minutes: int
        note: str = ""
        tags: dict[str, str] = field(default_factory=dict)
        room: str | None = None
        seen: dict = field(default_factory=dict, repr=False, compare=False)  # a cache: not part of the value

        def __post_init__(self):
            if self.minutes < 0:
                raise ValueError("minutes below zero")

    return Visit


Plain = dataclass(frozen=True)(_visit_class())
Ours = record(_visit_class())

CALLS = [
    (("a", 30), {}),
    (("a", 30, "firm"), {"room": "r1"}),
    ((), {"id": "a", "minutes": 30, "note": "x", "tags": {"k": "v"}, "room": None}),
    (("a",), {"minutes": 45}),
]
BAD_CALLS = [
    (("a",), {}),  # a field missing
    (("a", 30), {"colour": "red"}),  # no such field
    (("a", 30), {"id": "b"}),  # given twice
    (("a", 30, "", {}, None, {}, "extra"), {}),  # too many
    (("a", -5), {}),  # refused by __post_init__
]


@pytest.mark.parametrize("args,kwargs", CALLS)
def test_same_values_repr_and_equality(args, kwargs):
    a, b = Plain(*args, **kwargs), Ours(*args, **kwargs)
    assert repr(a) == repr(b)
    assert [getattr(a, f.name) for f in fields(a)] == [getattr(b, f.name) for f in fields(b)]
    assert b == Ours(*args, **kwargs) and not b != Ours(*args, **kwargs)
    assert b != replace(b, note="other")
    assert b != a  # another class, even with the same values, as dataclass has it
    b.seen["x"] = 1
    assert b == Ours(*args, **kwargs) and (a == Plain(*args, **kwargs)) is True


@pytest.mark.parametrize("args,kwargs", BAD_CALLS)
def test_same_refusals(args, kwargs):
    with pytest.raises(Exception) as plain:
        Plain(*args, **kwargs)
    with pytest.raises(type(plain.value)):
        Ours(*args, **kwargs)


def test_frozen_hashable_and_a_dataclass_to_the_library():
    a = Ours("a", 30, room="r1", tags=())  # hashable values: hashable record
    assert hash(a) == hash(Ours("a", 30, room="r1", tags=())) and {a: 1}[Ours("a", 30, room="r1", tags=())] == 1
    with pytest.raises(TypeError):
        hash(Ours("a", 30))  # a dict inside, as with dataclass
    with pytest.raises(FrozenInstanceError):
        a.note = "changed"
    with pytest.raises(FrozenInstanceError):
        del a.note
    assert is_dataclass(Ours) and [f.name for f in fields(Ours)] == [f.name for f in fields(Plain)]
    assert replace(a, minutes=60).minutes == 60 and a.minutes == 30
    with pytest.raises(ValueError):
        replace(a, minutes=-1)


def test_each_record_has_its_own_default_from_a_factory():
    a, b = Ours("a", 30), Ours("b", 30)
    assert a.tags == {} and a.tags is not b.tags


def test_a_class_with_its_own_equality_stays_hashable_and_what_records_do_not_do_is_refused():
    @record
    class Named:
        id: str

        def __eq__(self, other):
            return isinstance(other, Named) and self.id.casefold() == other.id.casefold()

    assert Named("A") == Named("a") and hash(Named("A")) == hash(Named("A"))
    with pytest.raises(TypeError, match="every field in its constructor"):
        @record
        class Partial:
            id: str
            cache: dict = field(default_factory=dict, init=False)
    with pytest.raises(TypeError, match="not subclassed"):
        @record
        class Child(Named):
            extra: str = ""
