"""The legal schemes of association (catalogs/asociatividad.yaml, validated when loaded) and the
distance between two seats (haversine on DIVIPOLA's coordinates)."""

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kpt_workflow.base.validation import IDENTIFIER, read_catalog

SCHEMES_PATH = Path(__file__).parent / "catalogs" / "asociatividad.yaml"
EARTH_RADIUS_KM = 6371.0088  # the mean Earth radius (IUGG)


class Scheme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    codigo: str = Field(pattern=IDENTIFIER)
    nombre: str = Field(min_length=1)
    fundamento: str = Field(min_length=1)
    entidades: tuple[Literal["municipio", "departamento"], ...] = Field(min_length=1)
    mismo_departamento: bool
    contiguos: bool
    requisitos: tuple[str, ...] = Field(min_length=1)
    como_se_crea: str = Field(min_length=1)


class SchemeCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    esquemas: tuple[Scheme, ...] = Field(min_length=1)


@lru_cache(maxsize=None)
def load_schemes(path: Path = SCHEMES_PATH) -> SchemeCatalog:
    return read_catalog(path, SchemeCatalog, lambda c: [s.codigo for s in c.esquemas], "esquemas")


def distance_km(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> float:
    """Great-circle distance between two points given in degrees (haversine formula)."""
    phi, other_phi = math.radians(latitude), math.radians(other_latitude)
    half_dphi, half_dlambda = (other_phi - phi) / 2, math.radians(other_longitude - longitude) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi) * math.cos(other_phi) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
