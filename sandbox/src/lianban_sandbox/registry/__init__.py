"""The sandbox registry (沙箱数据): a synthetic population, e-licence library, education records,
business registry, social insurance and archives behind lianban's data-sharing interface.

:mod:`.draw` draws names, addresses and numbers; :mod:`.lives` synthetic people and employers;
:mod:`.personas` the named personas of ``data/personas.yaml``; :mod:`.registry` the providers and
the hub; :mod:`.listing` the people worth trying; :mod:`.hires` valid employee rows.
"""

from lianban_sandbox.registry.draw import age_on
from lianban_sandbox.registry.hires import sandbox_hires
from lianban_sandbox.registry.listing import sandbox_employers, sandbox_people
from lianban_sandbox.registry.personas import (
    PERSONAS_FILE,
    EmployerPersona,
    PersonaError,
    Personas,
    PersonPersona,
    load_personas,
)
from lianban_sandbox.registry.registry import SandboxRegistry, sandbox_hub

__all__ = [
    "PERSONAS_FILE",
    "EmployerPersona",
    "PersonPersona",
    "PersonaError",
    "Personas",
    "SandboxRegistry",
    "age_on",
    "load_personas",
    "sandbox_employers",
    "sandbox_hires",
    "sandbox_hub",
    "sandbox_people",
]
