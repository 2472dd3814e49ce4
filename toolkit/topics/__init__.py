"""Topics: UMAP reduction, clustering, BERTopic, per-language topic words."""

from toolkit.topics.model import fit_topics, topic_similarity
from toolkit.topics.reduce import reduce_embeddings
from toolkit.topics.result import TopicResult

__all__ = ["fit_topics", "reduce_embeddings", "topic_similarity", "TopicResult"]
