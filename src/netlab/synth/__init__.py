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
from netlab.synth._terms import (
    DEMO_EARLIER_CLASS,
    LATE_COLLEGE,
    earlier_term,
    write_term_exports,
)

__all__ = [
    "CONSTANT_PRACTICE",
    "DEFAULT_FAFSA_EFFECTS",
    "DEFAULT_PRACTICE_EFFECTS",
    "DEMO_EARLIER_CLASS",
    "GRAD_RATE_THRESHOLD",
    "GROUPS",
    "LATE_COLLEGE",
    "MEASURES",
    "PRACTICES",
    "RACES",
    "SynthNetwork",
    "TEAM_MEASURES",
    "Truth",
    "earlier_term",
    "generate",
    "generate_districts",
    "institutions",
    "state_scale",
    "write",
    "write_exports",
    "write_term_exports",
]
