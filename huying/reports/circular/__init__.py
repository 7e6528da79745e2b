"""The monthly circular (一月一通报): figures → outline → Word and PDF, as a background job.

- ``figures``: what the circular says, gathered through the evaluation code and kept.
- ``document``: the outline both files print; ``word`` and ``pdf`` render it; ``chart``
  draws the bar charts.
- ``rules``: who may generate and who may read; ``selectors``: reads under those rules;
  ``services``: request, run (the job's state machine) and generate (the command line).
"""
