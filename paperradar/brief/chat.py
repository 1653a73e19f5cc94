"""The model side of the LLM composer: which OpenAI-compatible endpoint to call (``LLMConfig``,
from flags or the environment), the calls themselves with their answer cache and token budget
(``Chat``), and what they cost (``Usage``). It knows nothing of briefings: ``llm`` decides what
to ask and checks every answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from paperradar.errors import ConfigError, LLMError
from paperradar.store import Store
from paperradar.store.briefs import CachedAnswer

PROMPT_VERSION = "brief-2"  # brief-2: one paper per call, the observation from references
# What an error message must never carry out of here: a key sent as a bearer token, in a header
# or a query (an endpoint's error page may echo the request), or in a URL's user part.
_SECRETS = (
    re.compile(r"(?i)(\bbearer(?:\s+|%20|\+))[^\s\"',;}&]+"),
    re.compile(
        r"(?i)(\b(?:authorization|x-api-key|api[-_]?key|access[-_]?token)\b[\"']?\s*[:=]\s*"
        r"[\"']?)(?!bearer\b)[^\s\"',;}&]+"
    ),
    re.compile(r"(\bsk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(//)[^/\s:@]+:[^/\s@]+(?=@)"),
)


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    budget: int = 40_000  # tokens per briefing, prompt plus completion
    temperature: float = 0.2

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        budget: int | None = None,
        timeout: float | None = None,
    ) -> LLMConfig:
        """Settings from arguments, then RADAR_LLM_URL / RADAR_LLM_MODEL / RADAR_LLM_API_KEY
        (the OPENAI_* names work too)."""
        url = base_url or os.environ.get("RADAR_LLM_URL") or os.environ.get("OPENAI_BASE_URL")
        name = model or os.environ.get("RADAR_LLM_MODEL")
        if not url:
            raise ConfigError(
                "the LLM composer needs an OpenAI-compatible endpoint: pass --llm-url "
                "(e.g. http://localhost:11434/v1 for Ollama) or set RADAR_LLM_URL"
            )
        if not name:
            raise ConfigError(
                "the LLM composer needs a model: pass --llm-model or set RADAR_LLM_MODEL"
            )
        key = os.environ.get("RADAR_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY")
        return cls(
            url.rstrip("/"), name, key, timeout or 60.0, budget if budget is not None else 40_000
        )


@dataclass
class Usage:
    """Tokens spent on one briefing, and what the checks threw away."""

    budget: int
    prompt: int = 0
    completion: int = 0
    calls: int = 0
    cached: int = 0
    retries: int = 0
    failed: int = 0
    skipped: int = 0  # calls not made because the budget would be exceeded
    replaced: int = 0  # sentences replaced by offline text for failing a check
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def as_dict(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt,
            "completion_tokens": self.completion,
            "total_tokens": self.total,
            "budget": self.budget,
            "calls": self.calls,
            "cached": self.cached,
            "retries": self.retries,
            "failed": self.failed,
            "skipped_for_budget": self.skipped,
            "sentences_replaced": self.replaced,
        }


class Chat:
    """One chat-completions endpoint with a cache in the store and a token budget."""

    def __init__(self, store: Store, config: LLMConfig, usage: Usage) -> None:
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(timeout=config.timeout, headers=headers)
        self._store = store
        self.config = config
        self.usage = usage

    def close(self) -> None:
        self._http.close()

    def redact(self, text: str) -> str:
        """``text`` without the API key or anything shaped like a credential: what the run
        records and ``radar runs`` shows."""
        if self.config.api_key:
            text = text.replace(self.config.api_key, "[redacted]")
        for pattern in _SECRETS:
            text = pattern.sub(r"\1[redacted]", text)
        return text

    def ask(self, system: str, user: str, max_tokens: int, valid: Callable[[Any], bool]) -> Any:
        """The parsed JSON answer, or None after a failed retry or when the budget is spent."""
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        key = hashlib.sha256(
            json.dumps([PROMPT_VERSION, self.config.model, messages], ensure_ascii=False).encode()
        ).hexdigest()
        cached = self._store.cached_answer(key)
        if cached is not None:
            self.usage.cached += 1
            return json.loads(cached.response)
        estimate = len(system + user) // 3 + max_tokens
        for attempt in range(2):
            if self.usage.total + estimate > self.usage.budget:
                self.usage.skipped += 1
                return None
            try:
                text, prompt, completion = self._post(messages, max_tokens)
                self.usage.prompt += prompt
                self.usage.completion += completion
                answer = _parse_json(text)
                if not valid(answer):
                    raise LLMError("the answer does not have the required fields")
            except LLMError as exc:
                self.usage.errors.append(self.redact(str(exc)))
                if attempt == 0:
                    self.usage.retries += 1
                    continue
                self.usage.failed += 1
                return None
            self._store.cache_answer(
                key,
                self.config.model,
                CachedAnswer(json.dumps(answer, ensure_ascii=False), prompt, completion),
            )
            return answer
        return None

    def _post(self, messages: list[dict[str, str]], max_tokens: int) -> tuple[str, int, int]:
        body = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": max_tokens,
            "response_format": {"type": "json_object"},
        }
        self.usage.calls += 1
        try:
            response = self._http.post(f"{self.config.base_url}/chat/completions", json=body)
        except httpx.TimeoutException as exc:
            raise LLMError(
                f"{self.config.base_url} timed out after {self.config.timeout:g}s"
            ) from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"cannot reach {self.config.base_url}: {exc}") from exc
        if response.status_code >= 400:
            # Redacted before it is cut: a key across the cut would leave its first half.
            raise LLMError(
                f"{self.config.base_url} answered HTTP {response.status_code}: "
                f"{self.redact(response.text)[:200]}"
            )
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("the endpoint's reply is not a chat completion") from exc
        usage = data.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or len(json.dumps(messages)) // 4)
        completion = int(usage.get("completion_tokens") or len(text) // 4)
        return text, prompt, completion


def _parse_json(text: str) -> Any:
    text = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise LLMError("the answer is not valid JSON") from exc
