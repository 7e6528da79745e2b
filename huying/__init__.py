"""Huying (呼应): the 街道呼·部门应 mechanism, end to end."""
