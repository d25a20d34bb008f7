"""The beneficiary-relations policy as versioned, board-approved data.

``rules/`` is pure Python (no Django): what the policy allows and when a decision is due. The rest
of the package stores versions per association, takes them through the board and serves them."""
