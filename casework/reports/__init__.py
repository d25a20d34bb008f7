"""Reports: how an association keeps its policy's promises (dashboard, exports, board report, API)."""
