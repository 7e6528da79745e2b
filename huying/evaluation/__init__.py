"""Evaluation and supervision (docs/glossary.md §4): the streets' reverse evaluation of the
departments (逆向评议), department scores and rankings, and the supervision indicators."""
