"""Chat history per user in a small SQLite database under ``MSRA_HOME`` (``web-history.sqlite3``).

A conversation belongs to one user name (``local`` when the app runs without login); every read and
write takes the user, so one user never sees or changes another's conversations.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.core.types import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
  conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT, sources TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (conversation, position)
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated);
"""
MAX_TITLE = 80


class Turn(BaseModel):
    """One question with its final answer (None while streaming) and that answer's own source cards."""

    question: str
    answer: Answer | None = None
    partial: str = ""
    sources: str = ""


class Conversation(BaseModel):
    id: str
    title: str
    updated: float


class ChatHistory:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock, closing(self._db()) as db, db:
            return db.execute(sql, args).fetchall()

    def create(self, user: str, first_question: str) -> str:
        cid = uuid.uuid4().hex
        now = time.time()
        title = " ".join(first_question.split())[:MAX_TITLE] or "Conversation"
        self._run("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (cid, user, title, now, now))
        return cid

    def list(self, user: str) -> list[Conversation]:
        rows = self._run("SELECT id, title, updated FROM conversations WHERE user = ? ORDER BY updated DESC", (user,))
        return [Conversation(id=r[0], title=r[1], updated=r[2]) for r in rows]

    def owns(self, user: str, cid: str | None) -> bool:
        return bool(cid) and bool(self._run("SELECT 1 FROM conversations WHERE id = ? AND user = ?", (cid, user)))

    def add_turn(self, user: str, cid: str, position: int, turn: Turn) -> None:
        if not self.owns(user, cid):
            return
        answer = turn.answer.model_dump_json() if turn.answer else None
        self._run(
            "INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?, ?)", (cid, position, turn.question, answer, turn.sources)
        )
        self._run("UPDATE conversations SET updated = ? WHERE id = ?", (time.time(), cid))

    def turns(self, user: str, cid: str | None) -> list[Turn]:
        if not self.owns(user, cid):
            return []
        rows = self._run("SELECT question, answer, sources FROM turns WHERE conversation = ? ORDER BY position", (cid,))
        out = []
        for question, answer, sources in rows:
            parsed = Answer.model_validate(json.loads(answer)) if answer else None
            out.append(Turn(question=question, answer=parsed, partial=parsed.answer if parsed else "", sources=sources))
        return out

    def rename(self, user: str, cid: str | None, title: str) -> bool:
        title = " ".join((title or "").split())[:MAX_TITLE]
        if not title or not self.owns(user, cid):
            return False
        self._run("UPDATE conversations SET title = ? WHERE id = ? AND user = ?", (title, cid, user))
        return True

    def delete(self, user: str, cid: str | None) -> bool:
        if not self.owns(user, cid):
            return False
        self._run("DELETE FROM turns WHERE conversation = ?", (cid,))
        self._run("DELETE FROM conversations WHERE id = ? AND user = ?", (cid, user))
        return True
