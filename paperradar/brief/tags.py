"""One primary tag per paper, from a fixed and documented set, so a briefing can group by theme.

A tag is chosen by weighted cue phrases in the title (counted three times) and the abstract,
with the arXiv primary category as a tie-breaker and fallback. The set is closed on purpose:
readers learn it, the web page filters by it, and the LLM composer is never asked to invent
one. ``TAGS`` is the documentation: each entry says what belongs under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperradar.models import Paper


@dataclass(frozen=True)
class Tag:
    name: str
    zh: str
    about: str
    cues: str  # comma-separated phrases, matched at a word start
    categories: str = ""  # comma-separated arXiv categories or archives


TAGS: tuple[Tag, ...] = (
    Tag(
        "Efficiency",
        "效率",
        "faster or cheaper inference and training: quantisation, pruning, sparsity, KV cache, "
        "speculative decoding, distillation for speed, serving systems",
        (
            "speculative decoding, kv cache, quantiz, quantis, pruning, sparsity, "
            "sparse attention, inference efficiency, efficient inference, latency, "
            "throughput, speedup, memory footprint, compression, low-bit, serving, "
            "token pruning, token merging, early exit, flops, accelerat"
        ),
        "cs.PF, cs.AR",
    ),
    Tag(
        "Training",
        "训练",
        "how models are trained and post-trained: RL from feedback or verifiable rewards, "
        "fine-tuning, optimisers, scaling laws, preference optimisation",
        (
            "reinforcement learning, rlhf, rlvr, grpo, ppo, dpo, preference optim, "
            "post-training, fine-tuning, finetuning, reward model, optimizer, scaling law, "
            "pretraining, pre-training, curriculum, policy optimization"
        ),
    ),
    Tag(
        "Reasoning",
        "推理",
        "chain-of-thought, mathematical and logical reasoning, test-time compute and search",
        (
            "reasoning, chain-of-thought, chain of thought, math, theorem, "
            "test-time scaling, test-time compute, thinking, o1, deliberat"
        ),
    ),
    Tag(
        "Code Intelligence",
        "代码智能",
        "models that write, repair, test or optimise code, including kernels and programs",
        (
            "code generation, program synthesis, software engineering, coding, bug, "
            "repository, swe-bench, kernel, compiler, code llm, code model"
        ),
        "cs.SE, cs.PL",
    ),
    Tag(
        "Agents",
        "智能体",
        "LLM agents that plan, use tools, browse or act over many steps",
        (
            "agent, tool use, tool-use, function calling, web navigation, planning, "
            "multi-agent, gui, computer use, workflow"
        ),
        "cs.MA",
    ),
    Tag(
        "Multimodal",
        "多模态",
        "vision-language and other models that read more than one modality",
        (
            "vision-language, multimodal, multi-modal, vlm, mllm, visual question, "
            "image-text, captioning, lvlm, video understanding, audio-visual"
        ),
    ),
    Tag(
        "Video Gen",
        "视频生成",
        "video generation and world models that predict video",
        "video generation, video diffusion, text-to-video, world model, video synthesis",
    ),
    Tag(
        "Image Gen",
        "图像生成",
        "image synthesis and editing, diffusion and flow models for images",
        (
            "image generation, text-to-image, image editing, diffusion model, "
            "flow matching, image synthesis, inpainting, super-resolution"
        ),
        "cs.GR",
    ),
    Tag(
        "3D",
        "3D",
        "3D reconstruction, scenes, gaussian splatting, NeRF, point clouds, pose",
        (
            "3d, gaussian splatting, nerf, point cloud, reconstruction, mesh, "
            "depth estimation, novel view, slam"
        ),
    ),
    Tag(
        "Robotics",
        "机器人",
        "embodied agents, manipulation, navigation, driving, vision-language-action models",
        (
            "robot, manipulation, embodied, vision-language-action, vla, "
            "autonomous driving, locomotion, navigation"
        ),
        "cs.RO, eess.SY",
    ),
    Tag(
        "Speech & Audio",
        "语音与音频",
        "speech recognition and synthesis, audio and music models",
        "speech, asr, text-to-speech, tts, audio, music, spoken",
        "eess.AS, cs.SD",
    ),
    Tag(
        "Architecture",
        "模型架构",
        "new model designs: attention variants, state-space models, mixture of experts, "
        "diffusion language models, positional encodings",
        (
            "architecture, attention mechanism, state space, mamba, mixture of experts, "
            "moe, transformer, linear attention, recurrent, positional encoding, "
            "diffusion language model"
        ),
    ),
    Tag(
        "Retrieval",
        "检索",
        "retrieval-augmented generation, search, recommendation, embeddings, memory",
        "retrieval, rag, search engine, recommend, embedding model, reranking",
        "cs.IR",
    ),
    Tag(
        "Safety",
        "安全",
        "alignment, jailbreaks, robustness, privacy, security, fairness, misuse",
        (
            "safety, jailbreak, alignment, adversarial, attack, privacy, harmful, "
            "red team, backdoor, fairness, bias, toxicity, watermark, unlearning"
        ),
        "cs.CR, cs.CY",
    ),
    Tag(
        "Interpretability",
        "可解释性",
        "what models compute inside: probing, circuits, features, attribution",
        (
            "interpretab, mechanistic, probing, circuit, sparse autoencoder, attribution, "
            "explainab, representation analysis, neurons"
        ),
    ),
    Tag(
        "Evaluation",
        "评测",
        "benchmarks, evaluation methods, measurement of model behaviour, hallucination",
        (
            "benchmark, evaluation, evaluate, leaderboard, hallucination, llm-as-a-judge, "
            "meta-evaluation, we measure"
        ),
    ),
    Tag(
        "Data",
        "数据",
        "datasets, data curation, synthetic data, annotation pipelines",
        (
            "dataset, data curation, synthetic data, annotation, corpus, data selection, "
            "data quality, data generation"
        ),
    ),
    Tag(
        "AI for Science",
        "科学智能",
        "machine learning applied to the sciences: biology, chemistry, physics, medicine, climate",
        (
            "protein, molecul, drug, genom, chemistry, physics, materials, climate, "
            "weather, clinical, medical, cell, scientific discovery"
        ),
        "q-bio, physics, astro-ph, cond-mat, quant-ph, q-fin, stat.AP",
    ),
    Tag(
        "Theory",
        "理论",
        "proofs and analysis: generalisation, optimisation, sample complexity, bounds",
        (
            "theorem, we prove, bound, convergence, sample complexity, regret, "
            "theoretical, provabl, minimax"
        ),
        "math, stat.TH, cs.DS, cs.GT, cs.LO",
    ),
)
FALLBACK = Tag("Research", "研究", "anything the cues above do not cover", "")
BY_NAME = {t.name: t for t in (*TAGS, FALLBACK)}
_CUE_RES = {
    t.name: re.compile("|".join(r"\b" + re.escape(c.strip()) for c in t.cues.split(",")), re.I)
    for t in TAGS
}


def tag_scores(paper: Paper) -> dict[str, float]:
    """How strongly each tag's cues appear in a paper (title hits weigh three times)."""
    found: dict[str, float] = {}
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "")
    for tag in TAGS:
        pattern = _CUE_RES[tag.name]
        score = 3.0 * len(pattern.findall(paper.title)) + len(pattern.findall(paper.abstract))
        cats = [c.strip() for c in tag.categories.split(",") if c.strip()]
        if any(primary == c or primary.startswith(c + ".") for c in cats):
            score += 2.5
        if score:
            found[tag.name] = score
    return found


def tag_of(paper: Paper) -> str:
    """The paper's primary tag; "Research" when nothing in the set fits."""
    scores = tag_scores(paper)
    if not scores:
        return FALLBACK.name
    order = {t.name: i for i, t in enumerate(TAGS)}
    return max(scores, key=lambda name: (scores[name], -order[name]))


def localized(tag: str, lang: str) -> str:
    found = BY_NAME.get(tag)
    return found.zh if lang == "zh" and found else tag
