"""The synthetic network with known truth: the model (:mod:`.model`), its dirty exports (:mod:`.exports`)
and the open answers' texts (:mod:`.text`)."""

from .exports import write_network
from .model import DEFAULT_ROUNDS, SyntheticNetwork, generate_network

__all__ = ["DEFAULT_ROUNDS", "SyntheticNetwork", "generate_network", "write_network"]
