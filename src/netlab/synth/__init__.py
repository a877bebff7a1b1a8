"""A seeded synthetic improvement network with planted truth.

The face of the package: import from here, not from its private modules.
"""

from netlab.synth._common import (
    CONSTANT_PRACTICE,
    DEFAULT_FAFSA_EFFECTS,
    DEFAULT_PRACTICE_EFFECTS,
    GRAD_RATE_THRESHOLD,
    GROUPS,
    MEASURES,
    PRACTICES,
    RACES,
    TEAM_MEASURES,
)
from netlab.synth._generate import (
    generate,
    generate_districts,
    state_scale,
)
from netlab.synth._network import (
    SynthNetwork,
    Truth,
    institutions,
    write,
    write_exports,
)

__all__ = [
    "CONSTANT_PRACTICE",
    "DEFAULT_FAFSA_EFFECTS",
    "DEFAULT_PRACTICE_EFFECTS",
    "GRAD_RATE_THRESHOLD",
    "GROUPS",
    "MEASURES",
    "PRACTICES",
    "RACES",
    "SynthNetwork",
    "TEAM_MEASURES",
    "Truth",
    "generate",
    "generate_districts",
    "institutions",
    "state_scale",
    "write",
    "write_exports",
]
