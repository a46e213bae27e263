"""`@record`: an immutable dataclass whose methods are shared by every record class, not written for each.

`dataclass(frozen=True)` writes and compiles six methods for each class it decorates, about 0.4 ms a
class; the calendar's first frame imports eighteen such classes (core/model's eight took 3.9 of the 6 ms
its import costs). A record is still a dataclass to `fields`, `replace` and `is_dataclass`, with the same
constructor, equality, hash, repr and immutability; tests/test_record.py holds it to dataclass's behaviour.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, fields


def record(cls):
    """Use as `@record` where `@dataclass(frozen=True)` would go."""
    if cls.__doc__ is None:
        # dataclass would write one from inspect.signature(), which for a class without its own __init__
        # yet parses a text signature with tokenize: a 4 ms regex compiled for the first record
        cls.__doc__ = f"{cls.__name__}({', '.join(cls.__dict__.get('__annotations__', ()))})"
    cls = dataclass(init=False, repr=False, eq=False)(cls)  # fields, defaults, __match_args__; no code
    every = fields(cls)
    if any(not f.init for f in every) or any(hasattr(base, "_record_names") for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__name__}: a record takes every field in its constructor and is not subclassed")
    cls._record_names = tuple(f.name for f in every)
    cls._record_shown = tuple(f.name for f in every if f.repr)
    cls._record_compared = tuple(f.name for f in every if f.compare)
    cls._record_hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
    cls._record_known = frozenset(cls._record_names)
    cls._record_defaults = tuple(
        (f.name, f.default, None if f.default_factory is MISSING else f.default_factory)
        for f in every if f.default is not MISSING or f.default_factory is not MISSING)
    cls._record_post = getattr(cls, "__post_init__", None)
    if cls.__dict__.get("__hash__", _ABSENT) is None and "__eq__" in cls.__dict__:
        del cls.__hash__  # Python's None for a class that defines __eq__: dataclass hashes it all the same
    for name, method in _METHODS.items():
        if name not in cls.__dict__:
            setattr(cls, name, method)
    return cls


def _init(self, *args, **kwargs) -> None:
    cls = type(self)
    names = cls._record_names
    if not args and kwargs.keys() == cls._record_known:
        values = kwargs  # every field by name, as records read from a file are built: a dict of our own
    else:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} values but {len(args)} were given")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in cls._record_known:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            values[name] = value
        if len(values) < len(names):
            for name, default, factory in cls._record_defaults:
                if name not in values:
                    values[name] = default if factory is None else factory()
            if len(values) < len(names):
                missing = ", ".join(repr(n) for n in names if n not in values)
                raise TypeError(f"{cls.__name__}() missing required argument: {missing}")
    object.__setattr__(self, "__dict__", values)
    if cls._record_post is not None:
        self.__post_init__()


def _eq(self, other):
    if other.__class__ is self.__class__:
        mine, theirs, names = self.__dict__, other.__dict__, self._record_compared
        return tuple(mine[n] for n in names) == tuple(theirs[n] for n in names)  # as dataclass compares
    return NotImplemented


def _hash(self) -> int:
    d = self.__dict__
    return hash(tuple(d[n] for n in self._record_hashed))


def _repr(self) -> str:
    d = self.__dict__
    return f"{type(self).__qualname__}(" + ", ".join(f"{n}={d[n]!r}" for n in self._record_shown) + ")"


def _setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")


_ABSENT = object()
_METHODS = {"__init__": _init, "__eq__": _eq, "__hash__": _hash, "__repr__": _repr,
            "__setattr__": _setattr, "__delattr__": _delattr}
