"""Which arithmetic an embedder's matrix products use: ``embedding.precision``.

``float32`` is exact single precision. ``bfloat16`` rounds the inputs of the large products to
bfloat16 (8 bits of mantissa) and accumulates in float32; on a CPU with bfloat16 dot-product
instructions (``avx512_bf16``, or the AMX tiles ``amx_bf16``) those products run about 4x faster
than float32 ones. ``auto`` takes bfloat16 only where the CPU has one of those instructions
(checked at run time) and float32 elsewhere, so a CPU without them gets exactly today's
float32 path. The choice and its reason are kept in a :class:`PrecisionChoice`, which the run's
manifest records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from toolkit.errors import ParameterError

__all__ = ["PRECISIONS", "BF16_FLAGS", "PrecisionChoice", "cpu_flags", "read_cpu_flags", "choose_precision"]

log = logging.getLogger(__name__)

#: The values of ``embedding.precision``.
PRECISIONS = ("auto", "float32", "bfloat16")
#: CPU flags (as Linux names them in /proc/cpuinfo) that give native bfloat16 dot products.
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision an embedder runs at, what was asked for, and why."""

    precision: str
    requested: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"precision": self.precision, "requested": self.requested, "reason": self.reason}


def read_cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU feature flags listed in ``path`` (Linux's ``/proc/cpuinfo``); empty when the
    file does not exist or lists none.

    Read directly because it is the one place that names the bfloat16 instructions on Linux;
    torch's ``get_cpu_capability()`` only says ``AVX512`` whether or not they are there.
    """
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):  # x86; Arm names them Features
                    return frozenset(value.split())
    except OSError:
        pass
    return frozenset()


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """:func:`read_cpu_flags` of this machine, read once per process."""
    return read_cpu_flags()


def choose_precision(requested: str, flags: frozenset[str] | None = None) -> PrecisionChoice:
    """Resolve ``embedding.precision`` on this machine.

    Parameters
    ----------
    requested : {"auto", "float32", "bfloat16"}
    flags : frozenset of str, optional
        CPU flags; default :func:`cpu_flags` (pass a set to decide for another CPU).

    Raises
    ------
    ParameterError
        ``requested`` is not one of :data:`PRECISIONS`.
    """
    if requested not in PRECISIONS:
        raise ParameterError("precision", f"expected one of {', '.join(PRECISIONS)}, got {requested!r}")
    flags = cpu_flags() if flags is None else flags
    native = [f for f in BF16_FLAGS if f in flags]
    if requested == "float32":
        return PrecisionChoice("float32", requested, "float32 requested")
    if requested == "bfloat16":
        if native:
            return PrecisionChoice("bfloat16", requested, f"bfloat16 requested; the CPU has {', '.join(native)}")
        log.warning("embedding.precision bfloat16 on a CPU without %s: torch emulates it, which is slower "
                    "than float32; use auto or float32 here", " or ".join(BF16_FLAGS))
        return PrecisionChoice("bfloat16", requested,
                               f"bfloat16 requested; the CPU has none of {', '.join(BF16_FLAGS)} (emulated)")
    if native:
        return PrecisionChoice("bfloat16", requested, f"auto: the CPU has {', '.join(native)}")
    return PrecisionChoice("float32", requested, f"auto: the CPU has none of {', '.join(BF16_FLAGS)}")
