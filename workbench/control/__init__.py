"""The control plane: model versions on nodes, right and wrong predictions, labels going up,
checkpoints going down, and the rollouts (all at once, waves, canary, A/B) that decide."""

from .control import Control, attach, rollout_targets
from .decisions import Evidence, non_inferiority, power

__all__ = ["Control", "Evidence", "attach", "non_inferiority", "power", "rollout_targets"]
