"""会商与联合执法: joint operations (一联合) and the review meetings that decide cases."""
