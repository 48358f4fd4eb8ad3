"""Policy at the tier boundary: the data-class rules, one implementation for validation and
for every path the engine takes (planned routes, reroutes, fallbacks, store-and-forward).

A data class (``phi``, ``confidential`` ...) has a highest tier it may reach (``max_tier`` in
``data/catalogue/data_classes.yaml``). Data of that class may be at, or pass through, only nodes
at or below that tier: a path is allowed when every node on it is.
"""

from .data_classes import (
    allowed_path,
    class_limit,
    class_name,
    forbidden_nodes,
    leg_classes,
    leg_limits,
    route_problem,
    tier_name,
)
from .tenants import Tenancy, foreign_nodes, uses_tenants
from .tenants import allowed_path as tenant_path

__all__ = [
    "Tenancy",
    "allowed_path",
    "class_limit",
    "class_name",
    "forbidden_nodes",
    "foreign_nodes",
    "leg_classes",
    "leg_limits",
    "route_problem",
    "tenant_path",
    "tier_name",
    "uses_tenants",
]
