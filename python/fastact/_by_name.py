"""The public op objects pickle and copy by name, as NumPy's ufuncs do: unpickling (or
``copy.deepcopy``) of ``fastact.softmax`` gives ``fastact.softmax`` itself, not a second object
(and the C base classes' fast-path state, which pickle cannot see, comes with it)."""

from __future__ import annotations


def public(name: str):
    """The public object ``fastact.<name>``."""
    import fastact

    return getattr(fastact, name)


class ByName:
    """Mixin for objects with a ``name`` that is their attribute name in ``fastact``."""

    name: str

    def __init__(self):
        self.__name__ = self.__qualname__ = self.name  # as a function's: fa.softmax.__name__ == "softmax"

    def __reduce__(self):
        return public, (self.name,)
