"""Trainer packs (issue 20): slides, quizzes and handouts built from selected clauses, each item citing its clause."""
